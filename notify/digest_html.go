package notify

import "html/template"

// The HTML part is written the way mail clients read it: a table layout (Outlook lays out
// tables, not floats or flex), every style inline (Gmail drops <style> in many cases), one
// column at most 600 pixels wide that shrinks with the screen, system fonts, and buttons made
// of a padded link in a coloured cell. Colours keep a contrast ratio above 4.5:1.

var htmlDigest = template.Must(template.New("digest").Funcs(template.FuncMap{
	"pair": func(v digestView, i itemView) pairing { return pairing{V: v, I: i} },
}).Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color: #eef1f5;">
<tr><td align="center" style="padding: 16px 8px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width: 600px; background-color: #ffffff; border-radius: 6px; font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.45; color: #1f2933;">
<tr><td style="background-color: #1d4e89; color: #ffffff; padding: 18px 24px; border-radius: 6px 6px 0 0;">
<p style="margin: 0; font-size: 20px; font-weight: bold; color: #ffffff;">{{.Association}}</p>
<p style="margin: 4px 0 0 0; font-size: 13px; color: #dce6f2;">Passerelle</p>
</td></tr>
<tr><td style="padding: 20px 24px 4px 24px;">
<p style="margin: 0 0 8px 0;">{{.Hello}}</p>
<p style="margin: 0;">{{.Intro}}</p>
</td></tr>
{{- if .Groups}}
{{template "heading" .L.SecNew}}
{{- range .Groups}}
{{- if .Name}}
<tr><td style="padding: 8px 24px 0 24px;"><p style="margin: 0; font-size: 14px; font-weight: bold; color: #52606d;">{{.Name}}</p></td></tr>
{{- end}}
{{- range .Items}}{{template "item" (pair $ .)}}{{end}}
{{- end}}
{{- if .More}}
<tr><td style="padding: 4px 24px 8px 24px;"><p style="margin: 0;">{{.More}}{{if .Page}} <a href="{{.Page}}" style="color: #1d4e89;">{{.PageL}}</a>{{end}}</p></td></tr>
{{- end}}
{{- end}}
{{- if .Closing}}
{{template "heading" .L.SecClosing}}
{{- range .Closing}}{{template "short" (pair $ .)}}{{end}}
{{- end}}
{{- if .Changed}}
{{template "heading" .L.SecChanged}}
{{- range .Changed}}{{template "short" (pair $ .)}}{{end}}
{{- end}}
<tr><td style="padding: 16px 24px 20px 24px; border-top: 1px solid #d9e2ec; font-size: 13px; color: #52606d;">
<p style="margin: 0 0 6px 0;">{{.Footer}}</p>
{{- if .UnsubURL}}
<p style="margin: 0 0 6px 0;">{{.Why2}}</p>
{{- end}}
<p style="margin: 0;">
{{- if .PrefsURL}}<a href="{{.PrefsURL}}" style="color: #1d4e89;">{{.Prefs}}</a>{{end}}
{{- if .UnsubURL}} · <a href="{{.UnsubURL}}" style="color: #1d4e89;">{{.Unsub}}</a>{{end}}</p>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
{{define "heading"}}
<tr><td style="padding: 20px 24px 4px 24px;"><h2 style="margin: 0; font-size: 17px; color: #1d4e89;">{{.}}</h2></td></tr>
{{- end}}
{{define "title"}}
{{- if .I.Link}}<a href="{{.I.Link}}" style="color: #1d4e89; text-decoration: none; font-weight: bold; font-size: 16px;">{{.I.Title}}</a>
{{- else}}<span style="font-weight: bold; font-size: 16px;">{{.I.Title}}</span>{{end}}
{{- end}}
{{define "item"}}
<tr><td style="padding: 10px 24px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border: 1px solid #d9e2ec; border-radius: 6px;">
<tr><td style="padding: 12px 14px;">
<p style="margin: 0 0 4px 0;"><span style="display: inline-block; background-color: #e3f0e8; color: #17603a; font-weight: bold; font-size: 13px; padding: 2px 8px; border-radius: 10px;">{{.I.Score}}</span></p>
<p style="margin: 0 0 6px 0;">{{template "title" .}}</p>
{{- if .I.Buyer}}
<p style="margin: 0; font-size: 14px; color: #52606d;">{{.V.L.Buyer}} {{.I.Buyer}}</p>
{{- end}}
<p style="margin: 0; font-size: 14px; color: #52606d;">{{.V.L.Deadline}} {{.I.Deadline}}</p>
{{- if .I.Stages}}
<p style="margin: 6px 0 0 0; font-size: 14px; color: #52606d;">{{.V.L.Stages}}</p>
<ul style="margin: 2px 0 0 0; padding-left: 20px; font-size: 14px; color: #52606d;">{{range .I.Stages}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{- if .I.Reasons}}
<p style="margin: 8px 0 0 0; font-size: 14px; font-weight: bold;">{{.V.L.Why}}</p>
<ul style="margin: 2px 0 0 0; padding-left: 20px; font-size: 14px;">{{range .I.Reasons}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
{{- if .I.Official}}
<p style="margin: 8px 0 0 0; font-size: 14px;"><a href="{{.I.Official}}" style="color: #1d4e89;">{{.V.L.Official}}</a></p>
{{- end}}
{{- if .I.Relevant}}
<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin-top: 10px;"><tr>
<td style="background-color: #1d4e89; border-radius: 4px;"><a href="{{.I.Relevant}}" style="display: inline-block; padding: 8px 14px; color: #ffffff; text-decoration: none; font-size: 14px; font-weight: bold;">{{.V.L.Relevant}}</a></td>
<td style="width: 8px;">&nbsp;</td>
<td style="background-color: #ffffff; border: 1px solid #9aa5b1; border-radius: 4px;"><a href="{{.I.NotRelevant}}" style="display: inline-block; padding: 7px 14px; color: #1f2933; text-decoration: none; font-size: 14px;">{{.V.L.NotRelevant}}</a></td>
</tr></table>
{{- end}}
</td></tr>
</table>
</td></tr>
{{- end}}
{{define "short"}}
<tr><td style="padding: 6px 24px;">
<p style="margin: 0;">{{template "title" .}}</p>
{{- if .I.ChangeKind}}
<p style="margin: 2px 0 0 0; font-size: 14px; font-weight: bold; color: #8a4b00;">{{.I.ChangeKind}}</p>
<ul style="margin: 2px 0 0 0; padding-left: 20px; font-size: 14px;">{{range .I.Changes}}<li>{{.}}</li>{{end}}</ul>
{{- end}}
<p style="margin: 2px 0 0 0; font-size: 14px; color: #52606d;">{{.V.L.Deadline}} {{.I.Deadline}}</p>
</td></tr>
{{- end}}
`))

// pairing gives a sub-template the digest and one of its items.
type pairing struct {
	V digestView
	I itemView
}
