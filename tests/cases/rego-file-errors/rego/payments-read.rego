package authz

default allow = false

allow {
  clerk(input.principal)
}
