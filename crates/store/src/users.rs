//! Users, login attempts and sessions.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use zhenxing_domain::{CodeEnum, DivisionCode, Role};

use crate::audit::audit_insert;
use crate::sql::{SqlStore, now_text, scope_range, time_text};
use crate::{Actor, NewUser, Result, StoreError, UserRecord};

const USER_COLUMNS: &str =
    "id, username, display_name, role, division_code, password_hash, active, version";

fn user_from_row(row: &AnyRow) -> Result<UserRecord> {
    let role: String = row.try_get("role")?;
    let division: String = row.try_get("division_code")?;
    Ok(UserRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        role: Role::from_code(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role}")))?,
        division: DivisionCode::parse(&division).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        password_hash: row.try_get("password_hash")?,
        active: row.try_get::<i64, _>("active")? != 0,
        version: row.try_get("version")?,
    })
}

impl SqlStore {
    pub(crate) async fn user_create_impl(&self, actor: &Actor, user: NewUser) -> Result<i64> {
        if !actor.scope.contains(&user.division) {
            return Err(StoreError::Invalid("只能在本人管辖范围内创建用户".into()));
        }
        let username = user.username.trim().to_string();
        if username.is_empty() || username.chars().count() > 32 {
            return Err(StoreError::Invalid("用户名应为1至32个字符".into()));
        }
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM divisions WHERE code = $1")
            .bind(user.division.as_str().to_string())
            .fetch_one(&self.pool)
            .await?;
        if known == 0 {
            return Err(StoreError::Invalid(format!(
                "行政区划 {} 不属于本系统",
                user.division
            )));
        }
        let mut tx = self.pool.begin().await?;
        let exists: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
            .bind(username.clone())
            .fetch_one(&mut *tx)
            .await?;
        if exists > 0 {
            return Err(StoreError::Conflict(format!("用户名“{username}”已存在")));
        }
        let now = now_text();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, display_name, role, division_code, password_hash, active, version, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 1, 1, $6, $6) RETURNING id",
        )
        .bind(username.clone())
        .bind(user.display_name.clone())
        .bind(user.role.code())
        .bind(user.division.as_str().to_string())
        .bind(user.password_hash)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let after = serde_json::json!({"username": username, "display_name": user.display_name, "role": user.role.label(), "division": user.division.as_str()});
        audit_insert(
            &mut tx,
            actor,
            "create",
            "user",
            &username,
            None,
            None,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub(crate) async fn user_by_username_impl(&self, username: &str) -> Result<Option<UserRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub(crate) async fn user_by_id_impl(&self, id: i64) -> Result<Option<UserRecord>> {
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    pub(crate) async fn users_impl(&self, actor: &Actor) -> Result<Vec<UserRecord>> {
        let (lo, hi) = scope_range(&actor.scope);
        let rows = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE division_code >= $1 AND division_code < $2 ORDER BY division_code, username"))
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    pub(crate) async fn user_set_active_impl(
        &self,
        actor: &Actor,
        id: i64,
        expected_version: i64,
        active: bool,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let (lo, hi) = scope_range(&actor.scope);
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND division_code >= $2 AND division_code < $3"))
            .bind(id)
            .bind(lo)
            .bind(hi)
            .fetch_optional(&mut *tx)
            .await?;
        let user = row
            .as_ref()
            .map(user_from_row)
            .transpose()?
            .ok_or(StoreError::NotFound)?;
        let done = sqlx::query("UPDATE users SET active = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4")
            .bind(i64::from(active))
            .bind(now_text())
            .bind(id)
            .bind(expected_version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "该用户已被他人修改，请刷新后重试".into(),
            ));
        }
        let state = |a: bool| serde_json::json!({"active": if a { "启用" } else { "停用" }});
        audit_insert(
            &mut tx,
            actor,
            "update",
            "user",
            &user.username,
            None,
            Some(state(user.active)),
            Some(state(active)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn login_attempt_record_impl(
        &self,
        username: &str,
        success: bool,
    ) -> Result<()> {
        sqlx::query("INSERT INTO login_attempts (username, at, success) VALUES ($1, $2, $3)")
            .bind(username.to_string())
            .bind(now_text())
            .bind(i64::from(success))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn login_failures_since_impl(
        &self,
        username: &str,
        since: OffsetDateTime,
    ) -> Result<u32> {
        let since = time_text(since);
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_attempts WHERE username = $1 AND success = 0 AND at >= $2 \
             AND at > COALESCE((SELECT MAX(at) FROM login_attempts WHERE username = $1 AND success = 1), '')",
        )
        .bind(username.to_string())
        .bind(since)
        .fetch_one(&self.pool)
        .await?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub(crate) async fn session_load_impl(&self, id: &str) -> Result<Option<String>> {
        let data: Option<String> =
            sqlx::query_scalar("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id.to_string())
                .bind(now_text())
                .fetch_optional(&self.pool)
                .await?;
        Ok(data)
    }

    pub(crate) async fn session_save_impl(
        &self,
        id: &str,
        data: &str,
        expires_at: OffsetDateTime,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at")
            .bind(id.to_string())
            .bind(data.to_string())
            .bind(time_text(expires_at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn session_delete_impl(&self, id: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1 OR expires_at <= $2")
            .bind(id.to_string())
            .bind(now_text())
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
