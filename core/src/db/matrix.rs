//! The role-based access matrix and the list of restricted data types: data, seeded from
//! `core/data/access_matrix.toml`, changed by the Office.

use std::collections::{BTreeMap, BTreeSet};

use diesel::prelude::*;
use serde::Deserialize;

use super::schema::{access_matrix as am, data_type_policies as dtp};
use super::DbConn;
use crate::domain::{DataType, Profession};
use crate::error::{CoreError, CoreResult};

pub const SEED: &str = include_str!("../../data/access_matrix.toml");

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixFile {
    pub restricted: BTreeSet<DataType>,
    pub professions: BTreeMap<Profession, BTreeSet<DataType>>,
}

impl MatrixFile {
    /// Parses a matrix file; every one of the thirteen professions must have a row.
    pub fn parse(text: &str) -> CoreResult<Self> {
        let file: Self =
            toml::from_str(text).map_err(|e| CoreError::invalid("access_matrix", e.to_string()))?;
        if let Some(missing) = Profession::ALL
            .iter()
            .find(|p| !file.professions.contains_key(p))
        {
            return Err(CoreError::invalid(
                "access_matrix",
                format!("no row for profession {missing}"),
            ));
        }
        Ok(file)
    }
}

/// Loads the seed into an empty matrix; returns whether it did.
pub fn seed_if_empty(conn: &mut DbConn, file: &MatrixFile) -> CoreResult<bool> {
    let rows: i64 = am::table.count().get_result(conn)?;
    if rows > 0 {
        return Ok(false);
    }
    for (profession, types) in &file.professions {
        set_row(conn, *profession, types)?;
    }
    for data_type in DataType::ALL {
        diesel::insert_into(dtp::table)
            .values((
                dtp::data_type.eq(data_type.as_str()),
                dtp::restricted.eq(file.restricted.contains(data_type)),
            ))
            .execute(conn)?;
    }
    Ok(true)
}

/// Replaces a profession's row.
pub fn set_row(
    conn: &mut DbConn,
    profession: Profession,
    types: &BTreeSet<DataType>,
) -> QueryResult<()> {
    diesel::delete(am::table.filter(am::profession.eq(profession.as_str()))).execute(conn)?;
    for t in types {
        diesel::insert_into(am::table)
            .values((
                am::profession.eq(profession.as_str()),
                am::data_type.eq(t.as_str()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn row(conn: &mut DbConn, profession: Profession) -> CoreResult<BTreeSet<DataType>> {
    let names: Vec<String> = am::table
        .filter(am::profession.eq(profession.as_str()))
        .select(am::data_type)
        .load(conn)?;
    names.iter().map(|n| DataType::parse(n)).collect()
}

/// A profession's row of the matrix and the restricted types, in one query (the access
/// decision needs both): each type's policy with whether the profession may see it.
pub fn policy_for(
    conn: &mut DbConn,
    profession: Profession,
) -> CoreResult<(BTreeSet<DataType>, BTreeSet<DataType>)> {
    let rows: Vec<(String, bool, Option<String>)> = dtp::table
        .left_join(
            am::table.on(am::data_type
                .eq(dtp::data_type)
                .and(am::profession.eq(profession.as_str()))),
        )
        .select((dtp::data_type, dtp::restricted, am::profession.nullable()))
        .load(conn)?;
    let (mut row, mut restricted) = (BTreeSet::new(), BTreeSet::new());
    for (name, is_restricted, allowed) in rows {
        let data_type = DataType::parse(&name)?;
        if allowed.is_some() {
            row.insert(data_type);
        }
        if is_restricted {
            restricted.insert(data_type);
        }
    }
    Ok((row, restricted))
}

pub fn restricted(conn: &mut DbConn) -> CoreResult<BTreeSet<DataType>> {
    let names: Vec<String> = dtp::table
        .filter(dtp::restricted.eq(true))
        .select(dtp::data_type)
        .load(conn)?;
    names.iter().map(|n| DataType::parse(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_parses_and_covers_every_profession() {
        let file = MatrixFile::parse(SEED).expect("seed parses");
        assert_eq!(file.professions.len(), 13);
        assert_eq!(
            file.professions[&Profession::MedicalPractitioner].len(),
            DataType::ALL.len()
        );
    }

    #[test]
    fn unknown_types_and_missing_rows_are_refused() {
        assert!(MatrixFile::parse("restricted = [\"genome\"]\n[professions]\n").is_err());
        assert!(MatrixFile::parse("restricted = []\n[professions]\nnurse = []\n").is_err());
    }
}
