//! What every handler shares: the store, the settings, the compiled templates and a few caches.

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use axum::response::Html;
use minijinja::Environment;
use serde::Serialize;
use tokio::sync::OnceCell;
use zhenxing_domain::{DivisionCode, DivisionLevel};
use zhenxing_store::{Actor, Division, Store};

use crate::Settings;
use crate::error::AppError;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub store: Arc<dyn Store>,
    pub settings: Settings,
    templates: Environment<'static>,
    /// Divisions change only with a migration or an admin action that does not exist yet: read once.
    divisions: OnceCell<Vec<Division>>,
    /// Uploaded rosters wait here between preview and confirmation.
    pub upload_dir: PathBuf,
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Self {
        let upload_dir = std::env::temp_dir().join("zhenxing-uploads");
        AppState(Arc::new(Inner {
            store,
            settings,
            templates: crate::templates::environment(),
            divisions: OnceCell::new(),
            upload_dir,
        }))
    }

    /// Renders a template to a page; a template error is a bug, reported as a 500.
    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<Html<String>, AppError> {
        let tmpl = self
            .templates
            .get_template(name)
            .map_err(|e| AppError::internal(format!("template {name} missing: {e}")))?;
        tmpl.render(ctx)
            .map(Html)
            .map_err(|e| AppError::internal(format!("template {name} failed: {e:#}")))
    }

    pub async fn divisions(&self) -> Result<&[Division], AppError> {
        let d = self
            .divisions
            .get_or_try_init(|| async { self.store.divisions().await })
            .await?;
        Ok(d.as_slice())
    }

    pub async fn division_name(&self, code: &DivisionCode) -> Result<String, AppError> {
        Ok(self
            .divisions()
            .await?
            .iter()
            .find(|d| &d.code == code)
            .map(|d| d.name.clone())
            .unwrap_or_else(|| code.to_string()))
    }

    /// Villages and communities inside the actor's scope, in code order.
    pub async fn villages_in_scope(&self, actor: &Actor) -> Result<Vec<Division>, AppError> {
        Ok(self
            .divisions()
            .await?
            .iter()
            .filter(|d| d.level == DivisionLevel::Village && actor.scope.contains(&d.code))
            .cloned()
            .collect())
    }
}
