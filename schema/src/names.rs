//! Naming of indexes that were declared without a name.

use crate::error::{Result, SchemaError};
use crate::model::Model;
use crate::quote::auto_index_name;

/// Gives every unnamed `Meta.indexes` entry the name Django computes when the model is defined.
pub(crate) fn name_indexes(model: &mut Model) -> Result<()> {
    let table = model.db_table();
    let mut names = Vec::new();
    for ix in &model.options.indexes {
        if ix.name.is_some() {
            names.push(None);
            continue;
        }
        let mut cols = Vec::new();
        for f in &ix.fields {
            let (desc, fname) = match f.strip_prefix('-') {
                Some(n) => (true, n),
                None => (false, f.as_str()),
            };
            let field = model
                .get_field(fname)
                .ok_or_else(|| SchemaError::UnknownField {
                    model: model.name.clone(),
                    field: fname.to_string(),
                })?;
            cols.push((field.column_name(fname), desc));
        }
        names.push(Some(auto_index_name(&table, &cols)));
    }
    for (ix, n) in model.options.indexes.iter_mut().zip(names) {
        if let Some(n) = n {
            ix.name = Some(n);
        }
    }
    Ok(())
}
