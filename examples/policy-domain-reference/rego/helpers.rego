package payments.helpers

has_role(principal, role) {
	principal.mroles[_] == role
}
