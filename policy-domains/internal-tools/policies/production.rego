package authz

import data.internal_tools.tooling

default allow = false

allow {
	tooling.read_request
}

allow {
	tooling.production_change_allowed
}
