//! Names of OPA's built-in functions.
//!
//! The incumbent compiles Rego with OPA's default capabilities, so any OPA built-in is a
//! defined function there. pdc never evaluates Rego, so it needs only the names: this list
//! (OPA v1 capabilities, deprecated v0 built-ins included) together with whatever the Rego
//! parser in use implements.

use std::collections::HashSet;
use std::sync::OnceLock;

const OPA_BUILTINS: &[&str] = &[
    // operators, also callable by name
    "eq",
    "equal",
    "neq",
    "lt",
    "lte",
    "gt",
    "gte",
    "plus",
    "minus",
    "mul",
    "div",
    "rem",
    "and",
    "or",
    "assign",
    "internal.member_2",
    "internal.member_3",
    "internal.print",
    // numbers and aggregates
    "abs",
    "ceil",
    "floor",
    "round",
    "numbers.range",
    "numbers.range_step",
    "rand.intn",
    "count",
    "sum",
    "product",
    "max",
    "min",
    "sort",
    "all",
    "any",
    // arrays, sets, objects
    "array.concat",
    "array.slice",
    "array.reverse",
    "intersection",
    "union",
    "set_diff",
    "object.get",
    "object.remove",
    "object.union",
    "object.union_n",
    "object.filter",
    "object.keys",
    "object.subset",
    "json.filter",
    "json.remove",
    "json.patch",
    // strings
    "concat",
    "contains",
    "endswith",
    "format_int",
    "indexof",
    "indexof_n",
    "lower",
    "replace",
    "split",
    "sprintf",
    "startswith",
    "strings.any_prefix_match",
    "strings.any_suffix_match",
    "strings.count",
    "strings.render_template",
    "strings.replace_n",
    "strings.reverse",
    "substring",
    "trim",
    "trim_left",
    "trim_prefix",
    "trim_right",
    "trim_space",
    "trim_suffix",
    "upper",
    // regular expressions and globs
    "regex.match",
    "regex.is_valid",
    "regex.find_all_string_submatch_n",
    "regex.find_n",
    "regex.globs_match",
    "regex.replace",
    "regex.split",
    "regex.template_match",
    "re_match",
    "glob.match",
    "glob.quote_meta",
    // bits, conversions, units, types
    "bits.and",
    "bits.or",
    "bits.xor",
    "bits.negate",
    "bits.lsh",
    "bits.rsh",
    "to_number",
    "cast_array",
    "cast_boolean",
    "cast_null",
    "cast_object",
    "cast_set",
    "cast_string",
    "units.parse",
    "units.parse_bytes",
    "is_number",
    "is_string",
    "is_boolean",
    "is_array",
    "is_set",
    "is_object",
    "is_null",
    "type_name",
    // encoding
    "base64.encode",
    "base64.decode",
    "base64.is_valid",
    "base64url.encode",
    "base64url.encode_no_pad",
    "base64url.decode",
    "urlquery.encode",
    "urlquery.encode_object",
    "urlquery.decode",
    "urlquery.decode_object",
    "json.marshal",
    "json.marshal_with_options",
    "json.unmarshal",
    "json.is_valid",
    "yaml.marshal",
    "yaml.unmarshal",
    "yaml.is_valid",
    "hex.encode",
    "hex.decode",
    // tokens
    "io.jwt.encode_sign_raw",
    "io.jwt.encode_sign",
    "io.jwt.decode",
    "io.jwt.decode_verify",
    "io.jwt.verify_rs256",
    "io.jwt.verify_rs384",
    "io.jwt.verify_rs512",
    "io.jwt.verify_ps256",
    "io.jwt.verify_ps384",
    "io.jwt.verify_ps512",
    "io.jwt.verify_es256",
    "io.jwt.verify_es384",
    "io.jwt.verify_es512",
    "io.jwt.verify_eddsa",
    "io.jwt.verify_hs256",
    "io.jwt.verify_hs384",
    "io.jwt.verify_hs512",
    // time
    "time.now_ns",
    "time.parse_ns",
    "time.parse_rfc3339_ns",
    "time.parse_duration_ns",
    "time.format",
    "time.date",
    "time.clock",
    "time.weekday",
    "time.add_date",
    "time.diff",
    // cryptography
    "crypto.x509.parse_certificates",
    "crypto.x509.parse_and_verify_certificates",
    "crypto.x509.parse_and_verify_certificates_with_options",
    "crypto.x509.parse_certificate_request",
    "crypto.x509.parse_keypair",
    "crypto.x509.parse_rsa_private_key",
    "crypto.parse_private_keys",
    "crypto.md5",
    "crypto.sha1",
    "crypto.sha256",
    "crypto.hmac.md5",
    "crypto.hmac.sha1",
    "crypto.hmac.sha256",
    "crypto.hmac.sha512",
    "crypto.hmac.equal",
    // graphs and GraphQL
    "walk",
    "graph.reachable",
    "graph.reachable_paths",
    "graphql.is_valid",
    "graphql.parse",
    "graphql.parse_and_verify",
    "graphql.parse_query",
    "graphql.parse_schema",
    "graphql.schema_is_valid",
    // network, identifiers, versions
    "http.send",
    "providers.aws.sign_req",
    "net.cidr_contains",
    "net.cidr_contains_matches",
    "net.cidr_expand",
    "net.cidr_intersects",
    "net.cidr_is_valid",
    "net.cidr_merge",
    "net.cidr_overlap",
    "net.lookup_ip_addr",
    "uuid.rfc4122",
    "uuid.parse",
    "semver.is_valid",
    "semver.compare",
    // Rego, OPA, debugging, schemas
    "rego.parse_module",
    "rego.metadata.chain",
    "rego.metadata.rule",
    "opa.runtime",
    "trace",
    "print",
    "json.verify_schema",
    "json.match_schema",
];

/// OPA's built-ins and regorus's, once.
fn all() -> &'static HashSet<&'static str> {
    static NAMES: OnceLock<HashSet<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names: HashSet<&'static str> = OPA_BUILTINS.iter().copied().collect();
        names.extend(regorus::unstable::BUILTINS.keys().copied());
        names
    })
}

/// Whether `name` (as written, such as `count` or `time.now_ns`) is a built-in function.
pub fn is_builtin(name: &str) -> bool {
    all().contains(name)
}

/// Every built-in name, sorted, for "did you mean".
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = all().iter().copied().collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_common_builtins() {
        for name in [
            "count",
            "startswith",
            "time.now_ns",
            "io.jwt.decode_verify",
            "regex.match",
            "print",
        ] {
            assert!(is_builtin(name), "{name}");
        }
        assert!(!is_builtin("undefined_function"));
        assert!(!is_builtin("helpers.match_any"));
    }
}
