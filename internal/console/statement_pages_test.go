package console

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/charter-gov/charter/chaincode/delegation"
	"github.com/charter-gov/charter/chaincode/errcode"
	"github.com/charter-gov/charter/chaincode/identity"
	"github.com/charter-gov/charter/chaincode/membership"
)

// TestStatementForm: the statement form is on the delegate page of the
// member whose key the browser holds, prefilled with their statement;
// not on another member's page, nor without a key.
func TestStatementForm(t *testing.T) {
	srv, _ := newTestServer(t)
	adaPage := "/delegates/LabAMSP/" + url.PathEscape(ada.ID)
	bobPage := "/delegates/LabBMSP/" + url.PathEscape(bob.ID)
	tests := []struct {
		name   string
		path   string
		member *identity.Identity
		want   []string // a "!" prefix: the body does not contain the rest
	}{
		{"one's own page: the form, prefilled with the statement", adaPage, &ada, []string{
			`<h3 id="statement-form-h" data-region>Update your statement</h3>`,
			`<form class="write" id="statement-form" data-write="/delegates/statement" data-kind="statement" data-reload="yes"`,
			`<label for="statement-text">Your statement</label>`,
			`<textarea id="statement-text" name="text" rows="6" required data-max="4000" aria-describedby="statement-hint">` + "\nOpen evaluations first.\nAsk me anything.</textarea>",
			"At most 4000 characters", `id="statement-region" data-region`, `id="write-result"`, `data-focus-after-write`,
			`!id="statement-only"`, `!id="statement-no-member"`}},
		{"one's own page without a statement: write one, the field empty", bobPage, &bob, []string{
			`<h3 id="statement-form-h" data-region>Write your statement</h3>`,
			`aria-describedby="statement-hint">` + "\n</textarea>", "No statement yet."}},
		{"another member's page: no form; only they write it", adaPage, &bob, []string{
			`<p id="statement-only">Only LabAMSP/ada writes this statement, with their own key`, "nobody else can write it.",
			`!id="statement-form"`, `!data-write="/delegates/statement"`, `!<textarea`, `!id="statement-no-member"`}},
		{"no key: no form, a link to import one", adaPage, nil, []string{
			`id="statement-only"`, `<p id="statement-no-member">No member key in this browser: <a href="/identity">import yours</a>`,
			`!id="statement-form"`, `!<textarea`}},
		{"the directory says the console writes statements too", "/delegates", nil, []string{
			"Each member writes their own statement, signed with their key: on their delegate page in this console, or with <code>charter delegate statement update</code>; nobody else can write it."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := get(t, srv, tc.path, tc.member)
			require.Equal(t, 200, status, body)
			for _, w := range tc.want {
				if n, ok := strings.CutPrefix(w, "!"); ok {
					assert.NotContains(t, body, n)
				} else {
					assert.Contains(t, body, w)
				}
			}
		})
	}
}

// TestStatementWrite checks who may write their statement, as
// delegation.SetStatement decides: an active member.
func TestStatementWrite(t *testing.T) {
	assert.True(t, statementWrite(&membership.Member{Identity: ada, Status: membership.StatusActive}).Allowed)
	removed := statementWrite(&membership.Member{Identity: ada, Status: membership.StatusRemoved})
	assert.False(t, removed.Allowed)
	assert.Contains(t, removed.Why, "You are not an active member (removed)")
	assert.Contains(t, statementWrite(nil).Why, "not a member")
}

// TestFakeStatement checks the fake's restatement of
// delegation.SetStatement: a refused statement (empty, blank, too long, a
// control character) writes nothing; an accepted one replaces the
// member's earlier one, and the delegate page and the directory show it.
func TestFakeStatement(t *testing.T) {
	srv, f := newTestServer(t)
	before := func() map[identity.Identity]delegation.Statement {
		f.mu.Lock()
		defer f.mu.Unlock()
		out := map[identity.Identity]delegation.Statement{}
		for k, v := range f.statements {
			out[k] = v
		}
		return out
	}
	start := before()
	for _, tc := range []struct{ name, text, rule string }{
		{"empty", "", "required"},
		{"only spaces", "  \n\t ", "required"},
		{"too long", strings.Repeat("é", delegation.MaxStatementRunes+1), "max-length"},
		{"a bidirectional override", "I stand for \u202eopen weights", "characters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.setStatement(bob, tc.text, true)
			require.Error(t, err)
			assert.Equal(t, errcode.InvalidArgument, errcode.CodeOf(err), err.Error())
			assert.Contains(t, err.Error(), "delegate statement")
			field, rule := errcode.FieldOf(err)
			assert.Equal(t, "text", field)
			assert.Equal(t, tc.rule, rule)
			assert.Equal(t, start, before(), "a refused statement writes nothing")
		})
	}
	exact := strings.Repeat("é", delegation.MaxStatementRunes)
	_, err := f.setStatement(bob, exact, false)
	require.NoError(t, err, "exactly the maximum is accepted")
	assert.Equal(t, start, before(), "endorsement alone writes nothing")
	res, err := f.setStatement(bob, "Fund open evaluations.\n\tThen audits.", true)
	require.NoError(t, err)
	st := res.(delegation.Statement)
	assert.Equal(t, bob, st.Member)
	assert.Equal(t, "Fund open evaluations.\n\tThen audits.", before()[bob].Text)
	assert.Equal(t, start[ada], before()[ada], "only the caller's statement changes")
	_, body := get(t, srv, "/delegates/LabBMSP/"+url.PathEscape(bob.ID), nil)
	assert.Contains(t, body, `<blockquote id="statement" class="statement">Fund open evaluations.`)
	_, body = get(t, srv, "/delegates", nil)
	assert.Contains(t, body, `<td class="statement">Fund open evaluations.`)
}
