//! The cases, one file per concern. [`cases()`] lists them all, in order.

mod batches;
mod concurrency;
mod errors;
mod limits;
mod parameters;
mod pragmas;
mod results;
mod savepoints;
mod schema;
mod transactions;
mod values;

use super::case::Case;

/// Every case, grouped by concern, in a stable order.
pub fn cases() -> Vec<Case> {
    [
        values::CASES,
        results::CASES,
        parameters::CASES,
        errors::CASES,
        transactions::CASES,
        savepoints::CASES,
        batches::CASES,
        pragmas::CASES,
        schema::CASES,
        concurrency::CASES,
        limits::CASES,
    ]
    .concat()
}

#[cfg(test)]
mod tests {
    use super::cases;

    #[test]
    fn names_are_unique_and_grouped() {
        let all = cases();
        let mut names: Vec<&str> = all.iter().map(|c| c.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate case names");
        assert!(all.iter().all(|c| c.name.contains("::")));
    }
}
