//! Annotation values as the runtime sees them, and how inherited annotations merge.
//!
//! Decoding follows the runtime: v1alpha3/v1alpha4 values are JSON text (a value that is not
//! JSON is used as the raw string); v1beta1 values are native YAML, and a string among them is
//! also tried as JSON. Merging follows the five documented strategies; an unknown strategy
//! behaves as `deep`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::model::{Annotation, ApiVersion};
use crate::syntax::{Node, NodeKind, Resolved};

/// An annotation's decoded value and its merge strategy as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnotationValue {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub merge: Option<String>,
    pub value: Value,
}

/// Name to value; when a name repeats, the last entry wins, as at runtime.
pub type Annotations = BTreeMap<String, AnnotationValue>;

/// Decodes the annotations of one entity.
pub fn decode(annotations: &[Annotation], version: ApiVersion) -> Annotations {
    let mut out = Annotations::new();
    for annotation in annotations {
        let Some(name) = &annotation.name else {
            continue;
        };
        let value = match &annotation.value {
            None => Value::String(String::new()),
            Some(node) if version.native_annotation_values() => native(node),
            Some(node) => json_text(node.as_string_field().unwrap_or("")),
        };
        let merge = if version.has_resources_and_merge() {
            annotation.merge.as_ref().map(|m| m.value.clone())
        } else {
            None
        };
        out.insert(
            name.value.clone(),
            AnnotationValue {
                value: canonical(value),
                merge,
            },
        );
    }
    out
}

/// JSON text, or the raw string when it is not JSON.
fn json_text(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// A native YAML value (v1beta1); strings are also tried as JSON, as the runtime does.
fn native(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(scalar) => match scalar.resolve() {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Number(i.into()),
            Resolved::Float(f) => Number::from_f64(f)
                .map_or_else(|| Value::String(scalar.text.clone()), Value::Number),
            Resolved::Str(s) => json_text(s),
        },
        NodeKind::Sequence(items) => Value::Array(items.iter().map(native).collect()),
        NodeKind::Mapping(entries) => {
            let mut map = Map::new();
            for entry in entries {
                let key = entry.key.as_str().unwrap_or_default().to_string();
                map.insert(key, native(&entry.value));
            }
            Value::Object(map)
        }
    }
}

/// The same value with object keys in sorted order, so output never depends on how the
/// source ordered them.
pub fn canonical(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        Value::Object(map) => {
            let sorted: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().collect())
        }
        other => other,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Array,
    Object,
    Scalar,
}

fn shape(value: &Value) -> Shape {
    match value {
        Value::Array(_) => Shape::Array,
        Value::Object(_) => Shape::Object,
        _ => Shape::Scalar,
    }
}

/// Merges `higher` over `lower` (the higher-precedence side wins conflicts).
pub fn merge(lower: &Annotations, higher: &Annotations) -> Annotations {
    let mut out = lower.clone();
    for (name, high) in higher {
        let merged = match lower.get(name) {
            None => high.clone(),
            Some(low) => {
                let strategy = high
                    .merge
                    .as_deref()
                    .or(low.merge.as_deref())
                    .unwrap_or("deep");
                // the merged entry keeps the higher entry's strategy, set or not, as at
                // runtime: a lower entry's strategy decides one merge and no later one
                AnnotationValue {
                    value: canonical(merge_values(&low.value, &high.value, strategy)),
                    merge: high.merge.clone(),
                }
            }
        };
        out.insert(name.clone(), merged);
    }
    out
}

fn merge_values(lower: &Value, higher: &Value, strategy: &str) -> Value {
    if shape(lower) != shape(higher) {
        return higher.clone();
    }
    match (strategy, lower, higher) {
        ("replace", _, _) => higher.clone(),
        ("append", Value::Array(l), Value::Array(h)) => {
            Value::Array(h.iter().chain(l).cloned().collect())
        }
        ("append", Value::Object(l), Value::Object(h)) => shallow(l, h),
        ("prepend", Value::Array(l), Value::Array(h)) => {
            Value::Array(l.iter().chain(h).cloned().collect())
        }
        ("prepend", Value::Object(l), Value::Object(h)) => shallow(h, l),
        ("prepend", _, _) => lower.clone(),
        ("union", Value::Array(l), Value::Array(h)) => {
            let mut seen = std::collections::HashSet::new();
            Value::Array(
                h.iter()
                    .chain(l)
                    .filter(|v| seen.insert(union_key(v)))
                    .cloned()
                    .collect(),
            )
        }
        (_, Value::Array(l), Value::Array(h)) => Value::Array(h.iter().chain(l).cloned().collect()),
        (_, Value::Object(l), Value::Object(h)) => {
            let mut out = l.clone();
            for (key, value) in h {
                let merged = match l.get(key) {
                    Some(existing) => merge_values(existing, value, "deep"),
                    None => value.clone(),
                };
                out.insert(key.clone(), merged);
            }
            Value::Object(out)
        }
        _ => higher.clone(),
    }
}

/// Keys of `winner` replace those of `other`, one level deep.
fn shallow(other: &Map<String, Value>, winner: &Map<String, Value>) -> Value {
    let mut out = other.clone();
    for (key, value) in winner {
        out.insert(key.clone(), value.clone());
    }
    Value::Object(out)
}

/// Identity of a value for `union`: numbers compare as floating point, as at runtime.
fn union_key(value: &Value) -> String {
    match value {
        Value::String(s) => format!("s:{s}"),
        Value::Number(n) => format!("n:{}", n.as_f64().unwrap_or(f64::NAN)),
        Value::Bool(b) => format!("b:{b}"),
        Value::Null => "null".to_string(),
        other => format!("j:{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(value: Value, merge: Option<&str>) -> Annotations {
        Annotations::from([(
            "a".to_string(),
            AnnotationValue {
                value,
                merge: merge.map(str::to_string),
            },
        )])
    }

    fn merged(lower: Value, higher: Value, strategy: &str) -> Value {
        merge(&one(lower, None), &one(higher, Some(strategy)))["a"]
            .value
            .clone()
    }

    #[test]
    fn strategies_follow_the_runtime() {
        assert_eq!(merged(json!([1, 2]), json!([3]), "replace"), json!([3]));
        assert_eq!(
            merged(json!([1, 2]), json!([3]), "append"),
            json!([3, 1, 2])
        );
        assert_eq!(
            merged(json!([1, 2]), json!([3]), "prepend"),
            json!([1, 2, 3])
        );
        assert_eq!(
            merged(json!([1, 2]), json!([2, 3]), "union"),
            json!([2, 3, 1])
        );
        assert_eq!(merged(json!([1, 2]), json!([3]), "deep"), json!([3, 1, 2]));
        assert_eq!(merged(json!("low"), json!("high"), "prepend"), json!("low"));
        assert_eq!(
            merged(json!({"x": 1, "y": 1}), json!({"y": 2}), "prepend"),
            json!({"x": 1, "y": 1})
        );
        assert_eq!(
            merged(json!({"x": {"p": 1}}), json!({"x": {"q": 2}}), "deep"),
            json!({"x": {"p": 1, "q": 2}})
        );
        assert_eq!(
            merged(json!({"x": 1}), json!({"x": {"q": 2}}), "append"),
            json!({"x": {"q": 2}})
        );
        assert_eq!(
            merged(json!([1]), json!({"q": 2}), "union"),
            json!({"q": 2})
        );
        assert_eq!(merged(json!([1]), json!([1.0]), "union"), json!([1.0]));
    }

    #[test]
    fn strategy_defaults_to_the_lower_side_then_deep() {
        let lower = one(json!([1]), Some("replace"));
        let higher = one(json!([2]), None);
        assert_eq!(merge(&lower, &higher)["a"].value, json!([2]));
        let plain = merge(&one(json!([1]), None), &one(json!([2]), None));
        assert_eq!(plain["a"].value, json!([2, 1]));
    }

    /// A group over two roles, the first with `prepend`: the runtime merges the roles in
    /// either order and gets the first role's value both ways, because the strategy of a
    /// lower entry does not stay on the merged one.
    #[test]
    fn a_lower_strategy_decides_one_merge_only() {
        let group = one(json!("g"), None);
        let r1 = one(json!("r1"), Some("prepend"));
        let r2 = one(json!("r2"), None);
        let one_way = merge(&r2, &merge(&r1, &group));
        let other_way = merge(&r1, &merge(&r2, &group));
        assert_eq!(one_way["a"].value, json!("r1"));
        assert_eq!(other_way["a"].value, json!("r1"));
        assert_eq!(one_way["a"].merge, None);
    }

    #[test]
    fn json_text_falls_back_to_the_raw_string() {
        assert_eq!(json_text("42"), json!(42));
        assert_eq!(json_text("\"x\""), json!("x"));
        assert_eq!(json_text("gold"), json!("gold"));
    }
}
