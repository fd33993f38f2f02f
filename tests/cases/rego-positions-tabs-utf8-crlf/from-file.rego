package authz
default allow = false
allow {
	input.name == "日本"; helpers.missing(1)
}
