<?xml version="1.0" encoding="utf-8"?>
<!-- Shown when a person opens a feed in a browser: what a feed is, how to
     subscribe, and the latest articles. Feed readers ignore it. A Go
     text/template over site.Words: every word is the site's language. -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
  <xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
  <xsl:template match="/">
    <xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
    <xsl:variable name="self" select="atom:feed/atom:link[@rel='self']/@href | rss/channel/atom:link[@rel='self']/@href"/>
    <xsl:variable name="home" select="atom:feed/atom:link[@rel='alternate']/@href | rss/channel/link"/>
    <html lang="{{x .Lang}}">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>{{title .FeedPageTitle}}</title>
        <style>
          body { margin: 0 auto; max-width: 40em; padding: 1em; font: 17px/1.7 system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; color: #222; background: #fff; }
          .note { background: #fff6d6; border-radius: 6px; padding: .6em .9em; }
          code { word-break: break-all; background: #f2f2f2; padding: .1em .3em; border-radius: 4px; }
          a { color: #0b57a5; } li { margin: .3em 0; } small { color: #777; }
          @media (prefers-color-scheme: dark) { body { color: #ddd; background: #121212; } .note { background: #3a3320; } code { background: #2a2a2a; } a { color: #8ab4f8; } }
        </style>
      </head>
      <body>
        <p class="note">{{x .FeedNote}}</p>
        <h1><xsl:value-of select="$title"/></h1>
        <h2>{{x .FeedHowTo}}</h2>
        <ol>
          <li>{{x .FeedCopyURL}}<code><xsl:value-of select="$self"/></code></li>
          <li>{{x .FeedAdd}}</li>
          <li>{{x .FeedDaily}}</li>
        </ol>
        <h2>{{x .LatestArticles}}</h2>
        <ul>
          <xsl:for-each select="atom:feed/atom:entry">
            <li><a href="{atom:link[@rel='alternate']/@href}"><xsl:value-of select="atom:title"/></a>
              <xsl:text> </xsl:text><small><xsl:value-of select="substring(atom:published, 1, 10)"/></small></li>
          </xsl:for-each>
          <xsl:for-each select="rss/channel/item">
            <li><a href="{link}"><xsl:value-of select="title"/></a></li>
          </xsl:for-each>
        </ul>
        <p><a href="{$home}">{{x .BackToSite}}</a></p>
      </body>
    </html>
  </xsl:template>
</xsl:stylesheet>
