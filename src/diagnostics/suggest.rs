//! "Did you mean": the closest known name to a misspelt one.
//!
//! Uses a bounded Levenshtein distance, so comparing against a long candidate list stays cheap:
//! a comparison stops as soon as it cannot beat the threshold.

/// The candidate closest to `wanted`, if one is close enough to be a plausible typo.
///
/// Ties go to the candidate that sorts first, so the answer never depends on input order.
pub fn closest<'a, I>(wanted: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let limit = threshold(wanted);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == wanted {
            continue;
        }
        let bound = best.map_or(limit, |(d, _)| d);
        if let Some(distance) = bounded_distance(wanted, candidate, bound) {
            let better = match best {
                None => true,
                Some((d, c)) => distance < d || (distance == d && candidate < c),
            };
            if better {
                best = Some((distance, candidate));
            }
        }
    }
    best.map(|(_, c)| c)
}

/// How many edits still count as a typo: about a third of the name, at least one.
fn threshold(wanted: &str) -> usize {
    (wanted.chars().count() / 3).clamp(1, 8)
}

/// The edit distance between `a` and `b` (case-insensitive for ASCII), counting a swap of
/// two neighbouring characters as one edit (`unoin` is one edit from `union`), or `None` when
/// it exceeds `bound`.
pub fn bounded_distance(a: &str, b: &str, bound: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    if a.len().abs_diff(b.len()) > bound {
        return None;
    }
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            let mut best = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            if i > 0 && j > 0 && *ca == b[j - 1] && a[i - 1] == *cb {
                best = best.min(before[j - 1] + 1);
            }
            current[j + 1] = best;
            row_min = row_min.min(best);
        }
        if row_min > bound {
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    (distance <= bound).then_some(distance)
}

/// Up to `count` candidates nearest to `wanted`, closest first (ties in sort order). Matches
/// on the part after the last `:` or `/` too, so `clerk` finds `mrn:iam:role:clerk`.
pub fn nearest<'a, I>(wanted: &str, candidates: I, count: usize) -> Vec<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted_tail = tail(wanted);
    let limit = threshold(wanted).max(threshold(wanted_tail));
    let mut scored: Vec<(usize, &'a str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let whole = bounded_distance(wanted, c, limit);
            let by_tail = bounded_distance(wanted_tail, tail(c), threshold(wanted_tail));
            whole.into_iter().chain(by_tail).min().map(|d| (d, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(count).map(|(_, c)| c).collect()
}

fn tail(text: &str) -> &str {
    text.rsplit([':', '/']).next().unwrap_or(text)
}

/// "did you mean `x`?" when there is a close candidate.
pub fn did_you_mean<'a, I>(wanted: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    closest(wanted, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_names() {
        assert_eq!(
            closest("selectors", ["selector", "policy"]),
            Some("selector")
        );
        assert_eq!(
            closest(
                "mrn:iam:role:admn",
                ["mrn:iam:role:admin", "mrn:iam:role:viewer"]
            ),
            Some("mrn:iam:role:admin")
        );
    }

    #[test]
    fn rejects_distant_names() {
        assert_eq!(closest("xyz", ["selector", "policy"]), None);
    }

    #[test]
    fn ties_prefer_the_first_in_sort_order() {
        assert_eq!(closest("ab", ["ac", "aa"]), Some("aa"));
    }

    #[test]
    fn nearest_matches_on_the_last_segment_too() {
        let ids = [
            "a/mrn:iam:role:clerk",
            "a/mrn:iam:role:admin",
            "b/mrn:iam:policy:clerks",
        ];
        assert_eq!(
            nearest("clerk", ids, 2),
            ["a/mrn:iam:role:clerk", "b/mrn:iam:policy:clerks"]
        );
        assert!(nearest("zzzzzz", ids, 3).is_empty());
    }

    #[test]
    fn swapped_letters_are_one_edit() {
        assert_eq!(bounded_distance("unoin", "union", 1), Some(1));
        assert_eq!(
            closest("unoin", ["replace", "append", "prepend", "deep", "union"]),
            Some("union")
        );
    }

    #[test]
    fn distance_is_bounded() {
        assert_eq!(bounded_distance("kitten", "sitting", 3), Some(3));
        assert_eq!(bounded_distance("kitten", "sitting", 2), None);
        assert_eq!(bounded_distance("", "abc", 3), Some(3));
    }
}
