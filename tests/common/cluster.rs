//! A PostgreSQL cluster a test starts and stops itself (initdb, pg_ctl), and a streaming
//! replica of one (pg_basebackup), for what only a real server shows: outages, replication.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .collect();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .find(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
}

/// Runs a PostgreSQL tool as the `postgres` user when we are root (initdb refuses root).
fn as_postgres(bin: &Path, tool: &str, args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    let mut cmd = if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    };
    cmd.args(args).output().expect("run a PostgreSQL tool")
}

/// A directory the `postgres` user owns and a free port, for a new server.
fn place() -> Option<(PathBuf, u16)> {
    let dir = super::temp_dir("oversight-pg");
    let _ = Command::new("chown")
        .args(["postgres:postgres", &dir.to_string_lossy()])
        .output();
    Some((dir, super::free_port()))
}

pub struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    pub fn start_new() -> Option<Cluster> {
        let bin = pg_bin()?;
        let (dir, port) = place()?;
        let init = as_postgres(
            &bin,
            "initdb",
            &[
                "-D",
                &dir.join("data").to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
        );
        if !init.status.success() {
            eprintln!(
                "skipped the fault test: initdb failed: {}",
                String::from_utf8_lossy(&init.stderr)
            );
            return None;
        }
        let cluster = Cluster { bin, dir, port };
        cluster.start();
        Some(cluster)
    }

    /// A streaming replica of this cluster (hot standby), started on a port of its own.
    pub fn start_replica(&self) -> Option<Cluster> {
        let (dir, port) = place()?;
        let backup = as_postgres(
            &self.bin,
            "pg_basebackup",
            &[
                "-D",
                &dir.join("data").to_string_lossy(),
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-X",
                "stream",
                "-R",
            ],
        );
        if !backup.status.success() {
            eprintln!(
                "skipped: pg_basebackup failed: {}",
                String::from_utf8_lossy(&backup.stderr)
            );
            return None;
        }
        let replica = Cluster {
            bin: self.bin.clone(),
            dir,
            port,
        };
        replica.start();
        Some(replica)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.to_string_lossy()
        );
        let log = self.dir.join("log");
        self.pg_ctl(&["-o", &opts, "-l", &log.to_string_lossy(), "-w", "start"]);
    }

    pub fn stop(&self) {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"]);
    }

    /// `pg_ctl -D <data> <args>`, which must succeed.
    fn pg_ctl(&self, args: &[&str]) {
        let data = self.dir.join("data").to_string_lossy().into_owned();
        let mut all = vec!["-D", data.as_str()];
        all.extend_from_slice(args);
        let out = as_postgres(&self.bin, "pg_ctl", &all);
        assert!(
            out.status.success(),
            "pg_ctl {}: {}",
            args.last().unwrap_or(&""),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(
            &self.bin,
            "pg_ctl",
            &[
                "-D",
                &self.dir.join("data").to_string_lossy(),
                "-m",
                "immediate",
                "stop",
            ],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
