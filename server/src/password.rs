//! Password hashing with Argon2id in a fixed pool of worker threads. Each worker keeps its
//! Argon2 memory between hashes (a fresh 19 MiB allocation per hash costs more than the hash
//! itself) until it has been idle for a while, and the queue in front of the pool is bounded: beyond it callers are told the
//! service is busy instead of piling up.

use crate::config::PasswordHashingConfig;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// Why hashing or verifying failed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password hashing queue is full")]
    Busy,
    #[error("the password hashing pool has stopped")]
    Stopped,
    #[error("argon2: {0}")]
    Argon2(String),
    #[error("stored password hash is malformed: {0}")]
    Malformed(String),
}

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, PasswordError>>,
    },
    Verify {
        password: String,
        phc: String,
        reply: oneshot::Sender<Result<bool, PasswordError>>,
    },
}

/// A handle to the hashing pool; cheap to clone.
#[derive(Clone)]
pub struct Hasher {
    queue: SyncSender<Job>,
    /// A hash of a random password, verified against for unknown users so that a sign-in
    /// costs the same whether or not the account exists.
    dummy: Arc<str>,
}

impl Hasher {
    /// Starts the worker threads.
    pub fn start(config: &PasswordHashingConfig) -> Result<Hasher, PasswordError> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            Some(32),
        )
        .map_err(|e| PasswordError::Argon2(e.to_string()))?;
        let workers = if config.workers == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            config.workers
        };
        let (tx, rx) = sync_channel::<Job>(config.queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = Arc::clone(&rx);
            let params = params.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(rx, params))
                .map_err(|e| PasswordError::Argon2(e.to_string()))?;
        }
        let dummy = hash_with(&params, &mut Vec::new(), &crate::crypto::random_token())?;
        Ok(Hasher {
            queue: tx,
            dummy: dummy.into(),
        })
    }

    /// Hashes a new password into a PHC string (`$argon2id$v=19$m=…`).
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Hash {
            password: password.to_owned(),
            reply,
        })?;
        rx.await.map_err(|_| PasswordError::Stopped)?
    }

    /// Checks `password` against a stored PHC string; `None` burns the same time against a
    /// dummy hash and answers false.
    pub async fn verify(&self, password: &str, phc: Option<&str>) -> Result<bool, PasswordError> {
        let (reply, rx) = oneshot::channel();
        let known = phc.is_some();
        self.submit(Job::Verify {
            password: password.to_owned(),
            phc: phc.unwrap_or(&self.dummy).to_owned(),
            reply,
        })?;
        Ok(rx.await.map_err(|_| PasswordError::Stopped)?? && known)
    }

    fn submit(&self, job: Job) -> Result<(), PasswordError> {
        self.queue.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => PasswordError::Busy,
            TrySendError::Disconnected(_) => PasswordError::Stopped,
        })
    }
}

/// How long a worker keeps its Argon2 memory without work: an idle server gives it back
/// (19 MiB a worker with the defaults), a busy one reuses it from hash to hash.
const IDLE_RELEASE: Duration = Duration::from_secs(30);

fn worker(rx: Arc<Mutex<Receiver<Job>>>, params: Params) {
    let mut memory: Vec<Block> = Vec::new();
    loop {
        // Holding the lock only while waiting keeps one idle worker at the head of the queue;
        // the wait times out so that every idle worker in turn releases its memory.
        let job = match rx.lock() {
            Ok(rx) => rx.recv_timeout(IDLE_RELEASE),
            Err(_) => return,
        };
        let job = match job {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                memory = Vec::new();
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        match job {
            Job::Hash { password, reply } => {
                let _ = reply.send(hash_with(&params, &mut memory, &password));
            }
            Job::Verify {
                password,
                phc,
                reply,
            } => {
                let _ = reply.send(verify_with(&mut memory, &password, &phc));
            }
        }
    }
}

fn argon2(params: Params) -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn compute(
    params: &Params,
    memory: &mut Vec<Block>,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), PasswordError> {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    argon2(params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt,
            out,
            &mut memory[..params.block_count()],
        )
        .map_err(|e| PasswordError::Argon2(e.to_string()))
}

fn hash_with(
    params: &Params,
    memory: &mut Vec<Block>,
    password: &str,
) -> Result<String, PasswordError> {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    let mut out = [0u8; 32];
    compute(params, memory, password, &salt, &mut out)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Argon2(e.to_string()))?;
    let output = Output::new(&out).map_err(|e| PasswordError::Argon2(e.to_string()))?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: params
            .try_into()
            .map_err(|e: argon2::password_hash::Error| PasswordError::Argon2(e.to_string()))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

fn verify_with(memory: &mut Vec<Block>, password: &str, phc: &str) -> Result<bool, PasswordError> {
    let malformed = |e: argon2::password_hash::Error| PasswordError::Malformed(e.to_string());
    let parsed = PasswordHash::new(phc).map_err(malformed)?;
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return Err(PasswordError::Malformed("not argon2id".into()));
    }
    let expected = parsed
        .hash
        .ok_or_else(|| PasswordError::Malformed("no hash".into()))?;
    let params = Params::try_from(&parsed).map_err(malformed)?;
    let mut salt_buf = [0u8; 64];
    let salt = parsed
        .salt
        .ok_or_else(|| PasswordError::Malformed("no salt".into()))?
        .decode_b64(&mut salt_buf)
        .map_err(malformed)?;
    let mut out = vec![0u8; expected.len()];
    compute(&params, memory, password, salt, &mut out)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(malformed)? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> PasswordHashingConfig {
        PasswordHashingConfig {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            workers: 1,
            queue: 4,
        }
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = Hasher::start(&small()).unwrap();
        let phc = h.hash("correct horse").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        assert!(h.verify("correct horse", Some(&phc)).await.unwrap());
        assert!(!h.verify("wrong horse", Some(&phc)).await.unwrap());
        // Two hashes of one password differ by their salt.
        assert_ne!(phc, h.hash("correct horse").await.unwrap());
    }

    #[tokio::test]
    async fn unknown_user_is_false_but_still_hashed() {
        let h = Hasher::start(&small()).unwrap();
        assert!(!h.verify("anything", None).await.unwrap());
    }

    #[tokio::test]
    async fn verifies_hashes_made_with_other_parameters() {
        let h = Hasher::start(&small()).unwrap();
        let mut other = small();
        other.memory_kib = 256;
        other.iterations = 2;
        let phc = Hasher::start(&other)
            .unwrap()
            .hash("pw-12345")
            .await
            .unwrap();
        assert!(h.verify("pw-12345", Some(&phc)).await.unwrap());
    }

    #[test]
    fn default_parameters_are_owasp() {
        let c = PasswordHashingConfig::default();
        assert!(c.memory_kib >= 19456 && c.iterations >= 2);
    }
}
