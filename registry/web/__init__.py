"""The registry in a browser: server-rendered pages for the public (`/`, `/providers`, `/certificates`,
`/catalog`, `/check`), for providers (`/portal`) and for the ministry and its evaluating agency
(`/console`).

The pages are an edge beside the JSON API: they parse a form, call the same feature services the API
controllers call, and render the answer. No rule is written here. Every visible word comes from the
message catalogues in `messages/` (Korean and English); words of the domain (item names, findings,
refusals) come from the data and rules/problems.toml, as in the API.
"""
