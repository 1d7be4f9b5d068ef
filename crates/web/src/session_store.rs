//! Sessions kept in the database through the [`Store`], so that several `serve` processes behind a
//! load balancer share them and a restart does not log everyone out.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::SessionStore;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result};
use zhenxing_store::Store;

#[derive(Clone)]
pub struct DbSessionStore {
    store: Arc<dyn Store>,
}

impl DbSessionStore {
    pub fn new(store: Arc<dyn Store>) -> Self {
        DbSessionStore { store }
    }
}

impl fmt::Debug for DbSessionStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DbSessionStore").finish_non_exhaustive()
    }
}

fn backend(e: zhenxing_store::StoreError) -> Error {
    Error::Backend(e.to_string())
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // Ids are 128 random bits; a collision is all but impossible, but never overwrite one.
        while self
            .store
            .session_load(&record.id.to_string())
            .await
            .map_err(backend)?
            .is_some()
        {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let json = serde_json::to_string(record).map_err(|e| Error::Encode(e.to_string()))?;
        self.store
            .session_save(&record.id.to_string(), &json, record.expiry_date)
            .await
            .map_err(backend)
    }

    async fn load(&self, session_id: &Id) -> Result<Option<Record>> {
        let Some(json) = self
            .store
            .session_load(&session_id.to_string())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        // A record written by an older build may not decode: treat it as expired (log in again).
        let Ok(record) = serde_json::from_str::<Record>(&json) else {
            tracing::warn!("session record could not be decoded; treated as expired");
            return Ok(None);
        };
        Ok((record.expiry_date > OffsetDateTime::now_utc()).then_some(record))
    }

    async fn delete(&self, session_id: &Id) -> Result<()> {
        self.store
            .session_delete(&session_id.to_string())
            .await
            .map_err(backend)
    }
}
