package site

import (
	"reflect"
	"testing"
)

// Every console word is there in every language, so no admin sees an
// empty label or a word of another language.
func TestConsoleWordsComplete(t *testing.T) {
	zh := reflect.ValueOf(consoleZH)
	for tag, w := range consoleCatalogue {
		v := reflect.ValueOf(*w)
		for i := 0; i < v.NumField(); i++ {
			f, name := v.Field(i), v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" {
					t.Errorf("%s: %s is empty", tag, name)
				}
			case reflect.Map:
				for _, k := range zh.Field(i).MapKeys() {
					if name == "Zones" {
						continue // named where a language has a name for them
					}
					if !f.MapIndex(k).IsValid() {
						t.Errorf("%s: %s has no %s", tag, name, k)
					}
				}
			case reflect.Array:
				for j := 0; j < f.Len(); j++ {
					if f.Index(j).String() == "" {
						t.Errorf("%s: %s[%d] is empty", tag, name, j)
					}
				}
			}
		}
	}
	if ConsoleWordsFor("zh-TW") != &consoleZH || ConsoleWordsFor("en-GB") != &consoleEN || ConsoleWordsFor("fr") != nil {
		t.Error("ConsoleWordsFor does not match languages as WordsFor does")
	}
}
