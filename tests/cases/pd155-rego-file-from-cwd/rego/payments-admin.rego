package authz

default allow = false

allow {
  input.principal.mroles[_] == "mrn:iam:role:payments-admin"
}
