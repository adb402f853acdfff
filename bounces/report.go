package bounces

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/paperboy-news/paperboy/content"
)

// ErrNotReport is returned by Parse for mail that is neither a delivery
// status notification nor a feedback report: it is left alone.
var ErrNotReport = errors.New("not a delivery status or feedback report")

// maxPartBytes bounds what Parse reads of any one part, so a huge
// attachment in the bounce mailbox costs no more than this.
const maxPartBytes = 1 << 20

// Report is a delivery status notification (RFC 3464) or an abuse
// feedback report (ARF, RFC 5965).
type Report struct {
	// Type is the multipart/report's report-type: "delivery-status" or
	// "feedback-report".
	Type string
	// MessageID is the report's own Message-ID, without angle brackets.
	MessageID string
	// To are the addresses the report was sent to (To, Delivered-To,
	// X-Original-To, Envelope-To): one is our VERP return path.
	To []string
	// Recipients are a DSN's per-recipient fields.
	Recipients []Recipient
	// FeedbackType is an ARF report's Feedback-Type (abuse, fraud, ...).
	FeedbackType string
	// OriginalRcptTo is an ARF report's Original-Rcpt-To.
	OriginalRcptTo string
	// Original is what the report quotes of our message.
	Original Original
}

// Recipient is one recipient block of a DSN.
type Recipient struct {
	// Address is the Original-Recipient, else the Final-Recipient.
	Address string
	// Action is failed, delayed, delivered, relayed or expanded.
	Action string
	// Status is the enhanced status code, e.g. 5.1.1.
	Status string
	// Diagnostic is the Diagnostic-Code without its type, e.g.
	// "550 5.1.1 user unknown".
	Diagnostic string
}

// Original is the header of the message a report is about.
type Original struct {
	MessageID  string
	To         string
	ReturnPath string
}

// Parse reads a report from a raw message. Mail that is not a
// multipart/report of a type it knows gives ErrNotReport.
func Parse(raw []byte) (Report, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Report{}, fmt.Errorf("%w: %v", ErrNotReport, err)
	}
	rep := Report{MessageID: strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>")}
	for _, h := range []string{"To", "Delivered-To", "X-Original-To", "Envelope-To"} {
		for _, v := range msg.Header[textproto.CanonicalMIMEHeaderKey(h)] {
			if list, err := mail.ParseAddressList(v); err == nil {
				for _, a := range list {
					rep.To = append(rep.To, a.Address)
				}
			} else {
				rep.To = append(rep.To, strings.Trim(strings.TrimSpace(v), "<>"))
			}
		}
	}
	if err := rep.walk(textproto.MIMEHeader(msg.Header), msg.Body, 0); err != nil {
		return Report{}, err
	}
	if rep.Type == "" {
		return Report{}, ErrNotReport
	}
	return rep, nil
}

// walk finds the multipart/report in a part (directly, or inside a
// multipart/mixed someone forwarded it in) and reads its parts.
func (rep *Report) walk(h textproto.MIMEHeader, body io.Reader, depth int) error {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || depth > 3 {
		return nil
	}
	isReport := mt == "multipart/report"
	typ := strings.ToLower(params["report-type"])
	if isReport && typ != "delivery-status" && typ != "feedback-report" {
		return nil // e.g. a disposition notification: not ours to handle
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if rep.Type != "" {
				return nil // what was read is enough; a torn tail is common
			}
			return fmt.Errorf("%w: %v", ErrNotReport, err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		data, err := io.ReadAll(io.LimitReader(decoded(p), maxPartBytes))
		if err != nil {
			return fmt.Errorf("%w: read %s part: %v", ErrNotReport, pt, err)
		}
		switch {
		case !isReport:
			if strings.HasPrefix(pt, "multipart/") {
				if err := rep.walk(p.Header, bytes.NewReader(data), depth+1); err != nil {
					return err
				}
			}
		case pt == "message/delivery-status" || pt == "message/global-delivery-status":
			rep.Type = "delivery-status"
			rep.Recipients = parseDeliveryStatus(data)
		case pt == "message/feedback-report":
			rep.Type = "feedback-report"
			f := fieldBlocks(data)
			if len(f) > 0 {
				rep.FeedbackType = strings.ToLower(strings.TrimSpace(f[0].Get("Feedback-Type")))
				rep.OriginalRcptTo = bareAddress(f[0].Get("Original-Rcpt-To"))
			}
		case pt == "message/rfc822" || pt == "text/rfc822-headers" || pt == "message/global" || pt == "message/global-headers":
			rep.Original = parseOriginal(data)
		}
	}
}

// decoded undoes a part's Content-Transfer-Encoding.
func decoded(p *multipart.Part) io.Reader {
	switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, p)
	case "quoted-printable":
		return quotedprintable.NewReader(p)
	}
	return p
}

// fieldBlocks reads header-like blocks separated by blank lines, as a
// delivery-status or feedback-report body is written.
func fieldBlocks(data []byte) []textproto.MIMEHeader {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
	var blocks []textproto.MIMEHeader
	for range 1000 {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			blocks = append(blocks, h)
		}
		if err != nil {
			break
		}
	}
	return blocks
}

// parseDeliveryStatus reads the per-recipient blocks of a DSN (the first
// block is per message).
func parseDeliveryStatus(data []byte) []Recipient {
	var out []Recipient
	for _, b := range fieldBlocks(data) {
		addr := typedValue(b.Get("Original-Recipient"))
		if addr == "" {
			addr = typedValue(b.Get("Final-Recipient"))
		}
		action := strings.ToLower(strings.TrimSpace(b.Get("Action")))
		if addr == "" || action == "" {
			continue // the per-message block
		}
		status := strings.TrimSpace(b.Get("Status"))
		if i := strings.IndexAny(status, " \t("); i > 0 {
			status = status[:i] // "5.1.1 (user unknown)"
		}
		out = append(out, Recipient{
			Address:    bareAddress(addr),
			Action:     action,
			Status:     status,
			Diagnostic: oneLine(typedValue(b.Get("Diagnostic-Code"))),
		})
	}
	return out
}

// typedValue drops the address or diagnostic type: "rfc822; a@b" -> "a@b".
func typedValue(v string) string {
	if _, rest, ok := strings.Cut(v, ";"); ok {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(v)
}

func bareAddress(v string) string {
	v = strings.TrimSpace(v)
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address
	}
	return strings.Trim(v, "<>")
}

// maxDetail caps a diagnostic kept in the store, in bytes.
const maxDetail = 300

// oneLine joins folded lines (content.OneLine) and caps the length on a
// character boundary: it ends up in the store, which keeps text as UTF-8,
// and in the admin's listing.
func oneLine(s string) string {
	s = content.OneLine(s)
	if len(s) > maxDetail {
		s = strings.ToValidUTF8(s[:maxDetail], "")
	}
	return s
}

// parseOriginal reads the quoted header of our message (a whole message or
// its headers only).
func parseOriginal(data []byte) Original {
	if !bytes.Contains(data, []byte("\n\n")) && !bytes.Contains(data, []byte("\r\n\r\n")) {
		data = append(data, "\r\n\r\n"...)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return Original{}
	}
	o := Original{
		MessageID:  strings.Trim(strings.TrimSpace(msg.Header.Get("Message-Id")), "<>"),
		ReturnPath: bareAddress(msg.Header.Get("Return-Path")),
	}
	if list, err := msg.Header.AddressList("To"); err == nil && len(list) == 1 {
		o.To = list[0].Address
	}
	return o
}
