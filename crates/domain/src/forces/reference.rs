//! The reference data every database holds: the 43 territorial forces of England and Wales
//! and their policing bodies over time, from `reference/forces.csv`.

use std::collections::HashSet;

use diesel::prelude::*;

use super::model::{ForceKind, ForceRow, PolicingBodyKind, PolicingBodyRow};
use crate::db::DbConn;
use crate::db::schema::{forces, policing_bodies};
use crate::error::AppError;
use crate::types::{Date, new_id, now};

const FORCES_CSV: &str = include_str!("../../../../reference/forces.csv");

/// A reference row: a force and one period of its governance.
#[derive(Debug, Clone)]
pub struct ReferenceRow {
    pub id: String,
    pub name: String,
    pub country: String,
    pub kind: ForceKind,
    pub body: String,
    pub body_kind: PolicingBodyKind,
    pub valid_from: Date,
    pub valid_to: Option<Date>,
}

/// The reference rows, checked as they are read.
pub fn rows() -> Result<Vec<ReferenceRow>, String> {
    let mut out = Vec::new();
    for (n, fields) in crate::csv::parse(FORCES_CSV)?
        .into_iter()
        .enumerate()
        .skip(1)
    {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let [id, name, country, kind, body, body_kind, from, to] = fields.as_slice() else {
            return Err(format!("forces.csv line {}: expected 8 fields", n + 1));
        };
        let bad = |what: &str| format!("forces.csv line {}: bad {what}", n + 1);
        out.push(ReferenceRow {
            id: id.clone(),
            name: name.clone(),
            country: country.clone(),
            kind: ForceKind::parse(kind).ok_or_else(|| bad("kind"))?,
            body: body.clone(),
            body_kind: PolicingBodyKind::parse(body_kind)
                .ok_or_else(|| bad("policing_body_kind"))?,
            valid_from: Date::parse(from).ok_or_else(|| bad("valid_from"))?,
            valid_to: if to.is_empty() {
                None
            } else {
                Some(Date::parse(to).ok_or_else(|| bad("valid_to"))?)
            },
        });
    }
    Ok(out)
}

/// Inserts the reference forces and governance periods a database does not hold yet.
pub fn ensure(conn: &mut DbConn) -> Result<(), AppError> {
    let rows = rows().map_err(AppError::Internal)?;
    conn.transaction(|conn| {
        let existing: HashSet<String> = forces::table
            .select(forces::id)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        let periods: HashSet<(String, chrono::NaiveDate)> = policing_bodies::table
            .select((policing_bodies::force_id, policing_bodies::valid_from))
            .load::<(String, chrono::NaiveDate)>(conn)?
            .into_iter()
            .collect();
        let mut added = HashSet::new();
        let mut changed = false;
        let at = now();
        for r in &rows {
            if !existing.contains(&r.id) && added.insert(r.id.clone()) {
                diesel::insert_into(forces::table)
                    .values(ForceRow {
                        id: r.id.clone(),
                        name: r.name.clone(),
                        country: r.country.clone(),
                        kind: r.kind.as_str().into(),
                        version: 1,
                        created_at: at,
                        updated_at: at,
                    })
                    .execute(conn)?;
                changed = true;
            }
            if !periods.contains(&(r.id.clone(), r.valid_from.0)) {
                diesel::insert_into(policing_bodies::table)
                    .values(PolicingBodyRow {
                        id: new_id(),
                        force_id: r.id.clone(),
                        name: r.body.clone(),
                        kind: r.body_kind.as_str().into(),
                        valid_from: r.valid_from.0,
                        valid_to: r.valid_to.map(|d| d.0),
                    })
                    .execute(conn)?;
                changed = true;
            }
        }
        // Written around the feed: kept answers must not outlive it.
        if changed {
            crate::db::data_changed(conn)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_data_holds_43_territorial_forces() {
        let rows = rows().unwrap();
        let ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 43);
        assert!(rows.iter().all(|r| r.kind == ForceKind::Territorial));
    }

    #[test]
    fn north_yorkshire_moved_to_a_mayor_on_7_may_2024() {
        let rows = rows().unwrap();
        let ny: Vec<_> = rows.iter().filter(|r| r.id == "north-yorkshire").collect();
        let mayor = ny
            .iter()
            .find(|r| r.body_kind == PolicingBodyKind::Mayor)
            .unwrap();
        assert_eq!(mayor.valid_from, Date::parse("2024-05-07").unwrap());
        assert_eq!(mayor.body, "Mayor of York and North Yorkshire");
        let pfcc = ny
            .iter()
            .find(|r| r.body_kind == PolicingBodyKind::Pfcc)
            .unwrap();
        assert_eq!(pfcc.valid_to, Date::parse("2024-05-06"));
    }
}
