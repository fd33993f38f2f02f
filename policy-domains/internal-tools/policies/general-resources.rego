package authz

import data.platform.helpers

default allow = false

allow {
	helpers.authenticated
}
