//! moto, the AWS emulator (PyPI `moto[server]`), in server mode on 127.0.0.1: the real Secrets Manager and SSM
//! Parameter Store APIs for the key-source tests, seeded through the real AWS SDK crates llmgw itself uses.
//!
//! `.ci/run` installs moto in a venv and names its `moto_server` in `LLMGW_TEST_MOTO`; else `moto_server` on
//! `PATH` is used. Without either, [`moto`] returns `None` and the tests that need it say they were skipped.
//! One server serves every test of the run (each test uses its own secret names); it dies with the test process.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct Moto {
    _child: Child,
    addr: SocketAddr,
}

impl Moto {
    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_SECRETS_MANAGER` and `AWS_ENDPOINT_URL_SSM`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Store a secret (a string) under `name`.
    pub fn put_secret(&self, name: &str, value: &str) {
        let client = aws_sdk_secretsmanager::Client::new(&self.config());
        block_on(client.create_secret().name(name).secret_string(value).send()).expect("moto: create_secret");
    }

    /// Store a SecureString parameter.
    pub fn put_parameter(&self, name: &str, value: &str) {
        let client = aws_sdk_ssm::Client::new(&self.config());
        let put = client
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .overwrite(true)
            .send();
        block_on(put).expect("moto: put_parameter");
    }

    fn config(&self) -> aws_config::SdkConfig {
        let credentials = aws_credential_types::Credentials::new("AKIDMOTOMOTO", "moto-secret", None, None, "test");
        block_on(
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .region(aws_config::Region::new("us-east-1"))
                .credentials_provider(credentials)
                .endpoint_url(self.url())
                .load(),
        )
    }
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(future)
}

/// The run's moto server, started on first use; `None` (with a note on stderr) when moto is not installed. When
/// `LLMGW_TEST_MOTO` names it (as `.ci/run` does), it must start: a test never passes by skipping there.
pub fn moto() -> Option<&'static Moto> {
    static MOTO: OnceLock<Option<Moto>> = OnceLock::new();
    let moto = MOTO.get_or_init(start).as_ref();
    if moto.is_none() && std::env::var_os("LLMGW_TEST_MOTO").is_some() {
        panic!("LLMGW_TEST_MOTO names moto, but it did not start");
    }
    moto
}

fn start() -> Option<Moto> {
    let program = std::env::var("LLMGW_TEST_MOTO").unwrap_or_else(|_| "moto_server".into());
    let port = TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
    let mut command = Command::new(&program);
    command.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdin(Stdio::null()).stdout(Stdio::null());
    command.stderr(Stdio::null());
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; it makes the server die with the test process.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    // The death signal follows the thread that spawned the server, not the process: spawn it from a thread that
    // lives as long as the process (test threads end with their test).
    let (sent, spawned) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sent.send(command.spawn());
        loop {
            std::thread::park();
        }
    });
    let Ok(Ok(child)) = spawned.recv() else {
        eprintln!("note: moto is not installed ({program}); the AWS key-source tests are skipped");
        return None;
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
        if started.elapsed() > Duration::from_secs(30) {
            eprintln!("note: moto did not start within 30 s; the AWS key-source tests are skipped");
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Moto { _child: child, addr })
}
