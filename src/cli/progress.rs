//! What an operator sees while apply or destroy runs. On a terminal: one
//! live status line (done, in flight, waiting, failed, elapsed) below the
//! finished lines, drawn by indicatif. Off a terminal (CI, cron): plain
//! lines only, no cursor movement. Either way, every operation running
//! longer than 10 s gets a heartbeat line every 10 s that says what it
//! waits for: `ec2_nat_gateway.main: still creating... [1m10s elapsed],
//! waiting for NAT gateway to become available (still pending)`.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::resource::{ResourceError, Stats};

/// How often a long operation gets a heartbeat line.
pub const HEARTBEAT: Duration = Duration::from_secs(10);

/// `1m10s`, `42s`.
pub fn elapsed(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

/// The line for an operation that failed: the object, what was being
/// done, the AWS error code and message with the request id, and the next
/// step for its class.
pub fn failed_line(address: &str, e: &ResourceError) -> String {
    format!(
        "{address}: {}: {e}; next: {}",
        console::style("FAILED").red().bold(),
        e.class.next_step()
    )
}

/// The live view of one run.
pub struct Live {
    bar: Option<ProgressBar>,
    total: usize,
    done: AtomicUsize,
    failed: AtomicUsize,
    start: Instant,
    beats: Mutex<HashMap<String, u64>>,
}

impl Live {
    /// A view of `total` operations; a status line only on a terminal.
    pub fn new(total: usize) -> Arc<Live> {
        // A status line needs cursor movement: only on a terminal that
        // also takes colour (not with NO_COLOR or --no-color).
        let bar = (std::io::stdout().is_terminal() && console::colors_enabled()).then(|| {
            let b = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b
        });
        Arc::new(Live {
            bar,
            total,
            done: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            start: Instant::now(),
            beats: Mutex::new(HashMap::new()),
        })
    }

    /// Prints a finished line (above the status line on a terminal).
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(b) => b.println(text),
            None => println!("{text}"),
        }
    }

    /// One operation ended.
    pub fn finished(&self, address: &str, done: &str, err: Option<&ResourceError>, took: Duration) {
        self.beats.lock().expect("beats").remove(address);
        match err {
            None => {
                self.done.fetch_add(1, Ordering::Relaxed);
                self.line(&format!("{address}: {done} in {:.3}s", took.as_secs_f64()));
            }
            Some(e) => {
                self.failed.fetch_add(1, Ordering::Relaxed);
                self.line(&failed_line(address, e));
            }
        }
    }

    /// One tick: refreshes the status line and prints the heartbeats that
    /// are due.
    pub fn tick(&self, stats: &Stats) {
        let running = stats.running();
        let waiting = running.iter().filter(|(_, r)| r.waiting.is_some()).count();
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "{}/{} done, {} in flight, {} waiting, {} failed [{}]",
                self.done.load(Ordering::Relaxed),
                self.total,
                running.len(),
                waiting,
                self.failed.load(Ordering::Relaxed),
                elapsed(self.start.elapsed())
            ));
            b.tick();
        }
        for (address, r) in running {
            let age = r.since.elapsed();
            let bucket = age.as_secs() / HEARTBEAT.as_secs();
            if bucket == 0 {
                continue;
            }
            let due = {
                let mut beats = self.beats.lock().expect("beats");
                let last = beats.entry(address.clone()).or_insert(0);
                let due = bucket > *last;
                *last = bucket;
                due
            };
            if due {
                let what = r.waiting.map_or_else(
                    || "waiting for AWS to answer".to_string(),
                    |w| format!("waiting for {w}"),
                );
                self.line(&format!(
                    "{address}: still {}... [{} elapsed], {what}",
                    r.doing,
                    elapsed(Duration::from_secs(bucket * HEARTBEAT.as_secs()))
                ));
            }
        }
    }

    /// Ticks until `stop` fires.
    pub async fn run(
        self: Arc<Self>,
        stats: Arc<Stats>,
        mut stop: tokio::sync::oneshot::Receiver<()>,
    ) {
        let mut every = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                _ = every.tick() => self.tick(&stats),
                _ = &mut stop => break,
            }
        }
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table of error classes shows exactly what the binary
    /// prints for each.
    #[test]
    fn the_readme_error_examples_are_what_hcprov_prints() {
        use crate::engine::resource::ErrorClass;
        console::set_colors_enabled(false);
        let readme = include_str!("../../README.md");
        let examples: Vec<&str> = readme
            .lines()
            .skip_while(|l| !l.contains("<!-- error-classes -->"))
            .skip(2)
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let err = |class, action: &str, code: &str, message: &str| ResourceError {
            class,
            action: action.into(),
            code: Some(code.into()),
            message: format!("{code}: {message} (request id 4f1c-9a)"),
        };
        let cases = [
            (
                "kms_key.main",
                err(
                    ErrorClass::AccessDenied,
                    "creating KMS key",
                    "AccessDeniedException",
                    "User: <caller> is not authorized to perform: kms:CreateKey",
                ),
            ),
            (
                "ec2_subnet.private_1",
                err(
                    ErrorClass::Throttled,
                    "creating EC2 subnet",
                    "RequestLimitExceeded",
                    "Request limit exceeded.",
                ),
            ),
            (
                "logs_log_group.vpc_flow_logs",
                err(
                    ErrorClass::Invalid,
                    "creating CloudWatch log group (/aws/vpc/healthcare-prod)",
                    "InvalidParameterException",
                    "Invalid retention value 8",
                ),
            ),
            (
                "ec2_security_group.lambda",
                err(
                    ErrorClass::DependencyViolation,
                    "deleting EC2 security group (sg-0abc)",
                    "DependencyViolation",
                    "resource sg-0abc has a dependent object",
                ),
            ),
            (
                "ec2_nat_gateway.main",
                ResourceError::new(
                    ErrorClass::Timeout,
                    "waiting for NAT gateway to become available",
                    "still pending after 600s",
                ),
            ),
        ];
        let mut lines: Vec<String> = cases.iter().map(|(a, e)| failed_line(a, e)).collect();
        lines.push(format!(
            "error: {}",
            super::super::credentials_error(&ResourceError {
                class: ErrorClass::Other,
                action: "identifying the account (STS GetCallerIdentity)".into(),
                code: None,
                message: "the request could not be sent: dispatch failure: other: no credentials in the chain".into(),
            })
        ));
        let missing: Vec<&String> = lines
            .iter()
            .filter(|l| !examples.contains(&l.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "README lacks:\n{}",
            missing
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    #[test]
    fn elapsed_reads_like_terraform() {
        assert_eq!(elapsed(Duration::from_secs(70)), "1m10s");
        assert_eq!(elapsed(Duration::from_secs(9)), "9s");
    }
}
