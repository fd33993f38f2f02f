package authz

import data.payments.helpers

default allow = false

allow {
	helpers.has_role(input.principal, "mrn:iam:role:payments-admin")
}
