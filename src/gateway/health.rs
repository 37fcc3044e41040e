//! Model health as the gateway judges it: a model's record over the last hour and day (from the rollups, through
//! [`Store::metrics`]) and its run of recent failures (the store's health row), so that `models status` can show
//! it and suggestions and fallbacks can try a DEGRADED model last.
//!
//! Health is read only from a database that exists: asking about health never creates one. A request reads it only
//! on its failure path (to order the fallbacks left and the suggestions of its error), so a request that succeeds
//! pays nothing for it.

use super::Gateway;
use crate::config::Model;
use crate::error::Suggestion;
use crate::provider::{Availability, Client};
use crate::store::{MetricsFilter, ModelHealth, Stats, Store};
use crate::time::now_ms;
use crate::{Error, Result};

/// A model's health in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    /// Nothing recorded for it yet.
    Unknown,
    Healthy,
    /// Failing again and again with provider or rate-limit errors (see [`ModelHealth::degraded`]).
    Degraded,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Unknown => "unknown",
            HealthStatus::Healthy => "ok",
            HealthStatus::Degraded => "DEGRADED",
        }
    }
}

/// `models status MODEL`'s health: the record of the last hour and day, and the last error.
#[derive(Debug, Clone)]
pub struct HealthReport {
    pub status: HealthStatus,
    pub last_hour: Stats,
    pub last_day: Stats,
    pub row: Option<ModelHealth>,
}

const HOUR_MS: i64 = 3_600_000;

impl Gateway {
    /// The health of `model`; `None` when there is no database yet.
    pub fn health(&self, model: &Model) -> Result<Option<HealthReport>> {
        self.with_existing_store(|store| {
            let now = now_ms();
            let window = |ms: i64| -> Result<Stats> {
                let filter = MetricsFilter {
                    since_ms: Some(now - ms),
                    models: vec![model.model_id.clone()],
                    provider: Some(model.provider.clone()),
                    ..Default::default()
                };
                Ok(store.current_metrics(&filter)?.0.total)
            };
            let (last_hour, last_day) = (window(HOUR_MS)?, window(24 * HOUR_MS)?);
            let row = store.health_of(&model.provider, &model.model_id)?;
            Ok(HealthReport { status: status(row.as_ref(), now), last_hour, last_day, row })
        })
    }

    /// Every model's health status and its last hour's figures, for `models list --health`; empty without a
    /// database.
    pub fn health_of_all(&self) -> Result<Vec<(ModelHealth, HealthStatus, Option<Stats>)>> {
        let all = self.with_existing_store(|store| {
            let now = now_ms();
            let filter = MetricsFilter { since_ms: Some(now - HOUR_MS), ..Default::default() };
            let hour = store.current_metrics(&filter)?.0.by_model;
            let rows = store.model_health()?; // the spool was taken in by current_metrics
            Ok(rows
                .into_iter()
                .map(|row| {
                    let stats = hour
                        .iter()
                        .find(|m| {
                            m.model.as_deref() == Some(&row.model) && m.provider.as_deref() == Some(&row.provider)
                        })
                        .map(|m| m.stats.clone());
                    let status = status(Some(&row), now);
                    (row, status, stats)
                })
                .collect())
        })?;
        Ok(all.unwrap_or_default())
    }

    /// The models of `(provider, model id)` that are DEGRADED now; empty without a database or when it cannot be
    /// read (ordering by health is a preference, never a reason to fail).
    pub(super) fn degraded(&self) -> Vec<(String, String)> {
        let now = now_ms();
        let rows = self.with_existing_store(|store| {
            // The records of the last requests may still wait in the spool; a failure to take them in leaves them
            // there and the health a little older.
            let _ = store.ingest_spool();
            store.model_health()
        });
        let rows = rows.ok().flatten().unwrap_or_default();
        rows.into_iter().filter(|h| h.degraded(now)).map(|h| (h.provider, h.model)).collect()
    }

    /// Names of models (as a chain gives them) with the DEGRADED ones moved last, the order otherwise kept.
    pub(super) fn healthy_first(&self, names: &mut [&str], degraded: &[(String, String)]) {
        if degraded.is_empty() {
            return;
        }
        let is_degraded = |name: &&str| {
            self.registry
                .lookup(name, None)
                .is_ok_and(|m| degraded.iter().any(|(p, id)| *p == m.provider && *id == m.model_id))
        };
        names.sort_by_key(is_degraded);
    }

    /// An error's suggestions with the DEGRADED models moved last, each marked so.
    pub(super) fn order_suggestions(&self, err: &mut Error) {
        if let Some(suggestions) = err.suggestions_mut() {
            self.rank_by_health(suggestions);
        }
    }

    /// Suggestions with the DEGRADED models moved last (the order otherwise kept), each marked so.
    pub fn rank_by_health(&self, suggestions: &mut [Suggestion]) {
        if suggestions.is_empty() {
            return;
        }
        let degraded = self.degraded();
        if degraded.is_empty() {
            return;
        }
        let is_degraded = |s: &Suggestion| degraded.iter().any(|(p, id)| *p == s.provider && *id == s.model);
        for s in suggestions.iter_mut().filter(|s| is_degraded(s)) {
            s.reason.push_str("; DEGRADED: failing recently");
        }
        suggestions.sort_by_key(|s| is_degraded(s));
    }

    /// Ask `model`'s provider whether it can be used now, without generating text where the provider allows
    /// (`models status MODEL --check`): credentials that do not work are an [`Error::Auth`], a provider out of
    /// reach an [`Error::Provider`]; a model the provider does not serve is an answer, not an error.
    pub async fn check(&self, model: &Model, timeout: std::time::Duration) -> Result<Availability> {
        let settings = self
            .registry
            .provider(&model.provider)
            .ok_or_else(|| Error::Internal(format!("model {} names provider {}", model.model_id, model.provider)))?;
        let asked = async {
            let client = Client::connect(settings).await?;
            client.check(model).await
        };
        let answer = tokio::time::timeout(timeout, asked).await.map_err(|_| {
            Error::provider(format!("{} did not answer the check within {} s", model.provider, timeout.as_secs()))
        })?;
        match answer.map_err(|e| e.at(&model.provider)) {
            Err(Error::ModelNotReady { reason, .. } | Error::NotOnDemand { reason, .. }) => {
                Ok(Availability::no(reason))
            }
            other => other,
        }
    }

    /// Run `work` on the store when the database exists; `None` when it does not (nothing is created).
    fn with_existing_store<T>(&self, work: impl FnOnce(&mut Store) -> Result<T>) -> Result<Option<T>> {
        let path = Store::default_path(self.database.as_deref())?;
        if !path.exists() {
            return Ok(None);
        }
        let mut slot = self.recorder.lock().map_err(|_| Error::Internal("the recorder's lock is poisoned".into()))?;
        let recorder = slot.get_or_insert_with(|| crate::store::recorder::Recorder::new(path, self.lifetime));
        work(recorder.store()?).map(Some)
    }
}

fn status(row: Option<&ModelHealth>, now: i64) -> HealthStatus {
    match row {
        None => HealthStatus::Unknown,
        Some(h) if h.degraded(now) => HealthStatus::Degraded,
        Some(_) => HealthStatus::Healthy,
    }
}
