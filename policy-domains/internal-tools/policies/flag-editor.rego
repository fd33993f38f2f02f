package authz

import data.internal_tools.tooling

default allow = false

allow {
	tooling.read_request
}

# Flag editors may create and update flags, but not delete them.
allow {
	tooling.tool(input.operation) == "flags"
	input.operation != "tools:flags:delete"
}
