//! The audit trail: one row per change, written in the transaction of the change.

use serde_json::{Map, Value};
use sqlx::{Any, Row, Transaction};

use crate::sql::{SqlStore, now_text, scope_range};
use crate::{Actor, AuditEntry, Result, StoreError};

/// Writes one audit row. `before`/`after` are JSON objects keyed by field name (LAYOUT.md fields).
#[expect(
    clippy::too_many_arguments,
    reason = "one column per argument keeps call sites explicit"
)]
pub(crate) async fn audit_insert(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_key: &str,
    household_no: Option<&str>,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, actor_id, action, entity, entity_key, household_no, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now_text())
    .bind(actor.username.clone())
    .bind(actor.user_id)
    .bind(action.to_string())
    .bind(entity.to_string())
    .bind(entity_key.to_string())
    .bind(household_no.map(str::to_string))
    .bind(before.map(|v| v.to_string()))
    .bind(after.map(|v| v.to_string()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keeps only the fields that differ, so an audit row says exactly what changed.
pub(crate) fn diff(
    before: &Map<String, Value>,
    after: &Map<String, Value>,
) -> Option<(Value, Value)> {
    let mut b = Map::new();
    let mut a = Map::new();
    for key in before.keys().chain(after.keys()) {
        let (x, y) = (
            before.get(key).unwrap_or(&Value::Null),
            after.get(key).unwrap_or(&Value::Null),
        );
        if x != y && !b.contains_key(key) {
            b.insert(key.clone(), x.clone());
            a.insert(key.clone(), y.clone());
        }
    }
    (!a.is_empty()).then_some((Value::Object(b), Value::Object(a)))
}

impl SqlStore {
    pub(crate) async fn audit_record_impl(
        &self,
        actor: &Actor,
        action: &str,
        entity: &str,
        entity_key: &str,
        household_no: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        audit_insert(
            &mut tx,
            actor,
            action,
            entity,
            entity_key,
            household_no,
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// History of a household in scope, newest first.
    pub(crate) async fn audit_for_household_impl(
        &self,
        actor: &Actor,
        household_no: &str,
    ) -> Result<Vec<AuditEntry>> {
        let (lo, hi) = scope_range(&actor.scope);
        let visible: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM households WHERE household_no = $1 AND village_code >= $2 AND village_code < $3")
            .bind(household_no.to_string())
            .bind(lo)
            .bind(hi)
            .fetch_one(&self.pool)
            .await?;
        if visible == 0 {
            return Err(StoreError::NotFound);
        }
        let rows = sqlx::query(
            "SELECT at, actor, action, entity, entity_key, before_json, after_json FROM audit_log WHERE household_no = $1 ORDER BY id DESC LIMIT 500",
        )
        .bind(household_no.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    entity: r.try_get("entity")?,
                    entity_key: r.try_get("entity_key")?,
                    before: r.try_get("before_json")?,
                    after: r.try_get("after_json")?,
                })
            })
            .collect()
    }
}
