package main

import (
	"fmt"

	"github.com/sisterline/sisterline/internal/app"
	"github.com/sisterline/sisterline/internal/apperr"
)

// explain turns a coded error into a sentence in the operator's language.
func explain(a *app.App, lang string, err error) error {
	ae, ok := apperr.As(err)
	if !ok {
		return err
	}
	cat := a.Renderer.Catalog()
	msg := cat.Translate(lang, ae.Message, ae.Data)
	for field, id := range ae.Fields {
		if id != ae.Message {
			msg += fmt.Sprintf(" (%s: %s)", field, cat.Translate(lang, id, nil))
		} else {
			msg = fmt.Sprintf("%s: %s", field, msg)
		}
	}
	return fmt.Errorf("%s", msg)
}
