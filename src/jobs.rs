//! Work each instance does beside serving requests: looking for deadline reminders
//! (`reminders`) at start-up and every `OVERSIGHT_REMINDER_INTERVAL_SECS`. Instances need not
//! agree on who looks: each reminder is emitted once however many do.

use std::time::Duration;

use actix_web::web;

use crate::app::AppState;
use crate::error::AppError;
use crate::reminders::service::Pass;

/// One look for reminders, as of the instance's clock.
pub async fn remind(state: &AppState) -> Result<Pass, AppError> {
    crate::reminders::service::run(&state.db, state.clock.now()).await
}

/// Starts the reminder loop on the current actix system: the first look at once (catching up
/// on whatever fell due while no instance ran), then one every interval. A failed look (the
/// database away) is logged, and the next one tries again.
pub fn start(state: web::Data<AppState>) {
    let secs = state.config.reminder_interval_secs;
    if secs == 0 {
        tracing::info!("reminders are off (OVERSIGHT_REMINDER_INTERVAL_SECS=0)");
        return;
    }
    actix_web::rt::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(secs));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let started = std::time::Instant::now();
            match remind(&state).await {
                Ok(pass) => tracing::info!(
                    candidates = pass.candidates,
                    section55_due_soon = pass.section55_due_soon,
                    section55_overdue = pass.section55_overdue,
                    action_overdue = pass.action_overdue,
                    ms = started.elapsed().as_millis() as u64,
                    "reminders checked"
                ),
                Err(e) => tracing::warn!(error = %e, "reminders not checked; trying again later"),
            }
        }
    });
}
