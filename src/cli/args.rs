//! Command-line arguments: data only, no behaviour. Doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::env;
use crate::sdep::SeldonVersion;

/// Run a Seldon Core v1 SeldonDeployment on one machine, without Kubernetes.
///
/// seldon-local reads the same YAML you would `kubectl apply`, applies the Seldon operator's
/// own defaulting and validation, and runs what the operator would have created.
#[derive(Debug, Parser)]
#[command(
    name = "seldon-local",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
}

/// Options every subcommand takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Print errors only.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Also print notes (fields carried but not honoured) and debug detail.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// When to use colours.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,
    /// Never draw progress bars.
    #[arg(long, global = true, env = env::SELDON_LOCAL_NO_PROGRESS, value_parser = clap::builder::FalseyValueParser::new())]
    pub(crate) no_progress: bool,
}

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour when writing to a terminal and `NO_COLOR` is unset.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

// Doc comments here are `--help` text: their example JSON is not rustdoc links.
#[allow(rustdoc::broken_intra_doc_links)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check SeldonDeployments the way the Seldon operator's webhook does.
    ///
    /// Loads every SeldonDeployment in FILE, applies the operator's defaulting and runs every
    /// validation rule of the chosen Seldon Core version. All violations are reported at once,
    /// each with its field path. Exits 1 when anything is rejected.
    ///
    /// Examples:
    ///   seldon-local validate examples/tfserving-mnist/sdep.yaml
    ///   seldon-local validate --seldon-version 1.2.1 --strict sdep.yaml
    ///   kubectl get sdep mymodel -o yaml | seldon-local validate -
    #[command(verbatim_doc_comment)]
    Validate(ValidateArgs),
    /// Print the Kubernetes objects the Seldon operator would create.
    ///
    /// Prints one `apps/v1` Deployment per componentSpec and the `v1` Services, exactly as the
    /// chosen operator version builds them: containers, init containers, env, ports, probes,
    /// labels. `--show defaulted` prints the SeldonDeployment after defaulting instead, and
    /// `--show plan` the plan the local runtimes execute.
    ///
    /// Examples:
    ///   seldon-local render examples/tfserving-mnist/sdep.yaml
    ///   seldon-local render --seldon-version 1.2.1 --namespace kubeflow sdep.yaml
    ///   seldon-local render --show defaulted -o json sdep.yaml
    #[command(verbatim_doc_comment)]
    Render(RenderArgs),
    /// Build ahead of time what `up --runtime embedded` needs, so that it later works offline.
    ///
    /// For each SKLEARN_SERVER, XGBOOST_SERVER and MLFLOW_SERVER unit in FILE, reads its model
    /// (a local `modelUri`, or fetched as the storage initializer would), and builds and caches
    /// the Python environment that plays it: `seldon-core` of the chosen Seldon Core version and
    /// the framework version the model was saved with. Cached under `SELDON_LOCAL_CACHE_DIR`
    /// (default `~/.cache/seldon-local`).
    ///
    /// Examples:
    ///   seldon-local prepare examples/sklearn-iris/sdep.yaml
    ///   seldon-local prepare --python .venv/bin/python examples/sklearn-iris/sdep.yaml
    #[command(verbatim_doc_comment)]
    Prepare(PrepareArgs),
    /// Send a prediction, or a load of them, to a running deployment.
    ///
    /// The body is built for the endpoint's protocol from `--ndarray` or `--tensor`, or sent as
    /// given with `--json` or `--file`. On a terminal the answer is pretty, coloured JSON;
    /// otherwise it is printed raw. A non-2xx answer is shown and exits 1. With `--repeat`
    /// or `--duration` it sends load over keep-alive connections and prints req/s, latency
    /// percentiles and errors by status.
    ///
    /// Examples:
    ///   seldon-local predict tfserving --ndarray '[[1.0, 2.0]]'
    ///   seldon-local predict --endpoint http://127.0.0.1:8000 --ndarray '[[1.0, 2.0]]'
    ///   seldon-local predict --endpoint http://127.0.0.1:8000 --tensor '{"shape":[1,2],"values":[1,2]}'
    ///   seldon-local predict --endpoint http://127.0.0.1:9000 --unit mnist-model --json '{"data":{"ndarray":[[1]]}}'
    ///   seldon-local predict --endpoint http://127.0.0.1:8000 --file request.json --repeat 10000 --concurrency 32
    #[command(verbatim_doc_comment)]
    Predict(PredictArgs),
    /// Send feedback (a reward, and optionally the truth) for a prediction.
    ///
    /// The body is a Seldon `Feedback` message: `request`, `response`, `reward`, `truth`. The
    /// executor walks it down the graph to the units that took part, as upstream does.
    ///
    /// Examples:
    ///   seldon-local feedback tfserving --json '{"request": {"data": {"ndarray": [[1]]}}, "reward": 1.0}'
    ///   seldon-local feedback tfserving --file feedback.json
    #[command(verbatim_doc_comment)]
    Feedback(FeedbackArgs),
    /// Print a deployment's metadata (the graph's, or one unit's with `--unit`).
    ///
    /// Examples:
    ///   seldon-local metadata tfserving
    ///   seldon-local metadata tfserving --unit mnist-model
    #[command(verbatim_doc_comment)]
    Metadata(MetadataArgs),
    /// Print a shell completion script, or the man page.
    ///
    /// Examples:
    ///   seldon-local completions bash > ~/.local/share/bash-completion/completions/seldon-local
    ///   seldon-local completions zsh > ~/.zfunc/_seldon-local
    ///   seldon-local completions fish > ~/.config/fish/completions/seldon-local.fish
    ///   seldon-local completions man > seldon-local.1
    #[command(verbatim_doc_comment)]
    Completions(CompletionsArgs),
    /// Run a SeldonDeployment, in Docker or in this process, and wait until it is ready.
    ///
    /// Runs what the operator would create: the storage initializer, the model servers, the
    /// proxies and the executor. On Docker, one sandbox container per pod owns its network,
    /// on a Docker network of the deployment's own; `up` prints the endpoints and exits. On
    /// the embedded runtime the roles run in-process on 127.0.0.1 and `up` serves until
    /// Ctrl-C (or `-d` detaches). Your own images have no builtin: give each a local command
    /// with `--exec CONTAINER=COMMAND` (it runs in the sdep file's directory, with the env the
    /// operator gives the container, ports rewritten), or use Docker. Running `up` again
    /// replaces the deployment; Ctrl-C removes everything created so far.
    ///
    /// Examples:
    ///   seldon-local up examples/tfserving-mnist/sdep.yaml
    ///   seldon-local up --runtime embedded -d examples/tfserving-mnist/sdep.yaml
    ///   seldon-local up examples/mnist-graph/sdep.yaml \
    ///     --exec scale='python3 units/scale.py' --exec mean='python3 units/mean.py'
    ///   seldon-local up --images builtin -o json sdep.yaml
    ///   seldon-local up -p seldon-container-engine:8000=9000 sdep.yaml
    #[command(verbatim_doc_comment)]
    Up(UpArgs),
    /// List the containers of running deployments, with runtime, status, restarts, age and ports.
    ///
    /// Both runtimes: Docker containers found by label, embedded deployments by their state.
    /// The table fits 100 columns; `-o wide` adds pods, roles and full addresses, `-a` the
    /// init containers that finished and Docker's sandboxes.
    ///
    /// Examples:
    ///   seldon-local ps
    ///   seldon-local ps -a -o wide
    ///   seldon-local ps tfserving -o json
    #[command(verbatim_doc_comment)]
    Ps(PsArgs),
    /// Print the logs of a deployment's containers, prefixed with their names.
    ///
    /// Without NAME, the logs of every deployment on both runtimes, prefixed with the
    /// deployment too. `-f` keeps following a container that restarts.
    ///
    /// Examples:
    ///   seldon-local logs tfserving
    ///   seldon-local logs tfserving -c seldon-container-engine -f
    ///   seldon-local logs tfserving --tail 20 --since 10m --timestamps
    #[command(verbatim_doc_comment)]
    Logs(LogsArgs),
    /// Remove a deployment: containers, sandboxes, network and volumes (or, embedded, its
    /// process and volumes).
    ///
    /// Finds the deployment on whichever runtime runs it. `--all` removes every deployment
    /// seldon-local runs. Exits 0 when there is nothing to remove.
    ///
    /// Examples:
    ///   seldon-local down tfserving
    ///   seldon-local down -f examples/tfserving-mnist/sdep.yaml
    ///   seldon-local down --all
    #[command(verbatim_doc_comment)]
    Down(DownArgs),
    /// Manage seldon-local's own Docker image.
    #[command(subcommand)]
    Image(ImageCommand),
    /// Play one of the roles the operator gives to containers (internal entry points).
    #[command(hide = true)]
    Component(Box<super::component::ComponentArgs>),
}

#[derive(Debug, Args)]
pub(crate) struct PredictArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) input: InputArgs,
    /// Feature names sent with `--ndarray` or `--tensor` (Seldon `data.names`, v2 input name).
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    pub(crate) names: Vec<String>,
    /// Send N requests and report latency and throughput.
    #[arg(long, value_name = "N")]
    pub(crate) repeat: Option<u64>,
    /// Send for this long (e.g. `30s`, `2m`) and report latency and throughput.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) duration: Option<std::time::Duration>,
    /// Requests in flight at once in load mode.
    #[arg(long, value_name = "C", default_value_t = 1)]
    pub(crate) concurrency: usize,
}

#[derive(Debug, Args)]
pub(crate) struct FeedbackArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    /// The feedback body.
    #[arg(
        long,
        value_name = "BODY",
        required_unless_present = "file",
        conflicts_with = "file"
    )]
    pub(crate) json: Option<String>,
    /// A file holding the feedback body (`-` for stdin).
    #[arg(long, value_name = "PATH")]
    pub(crate) file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct MetadataArgs {
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

/// Where a request goes.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// The deployment (the only one running when omitted).
    #[arg(value_name = "NAME", conflicts_with = "endpoint", add = clap_complete::ArgValueCandidates::new(super::completions::running_names))]
    pub(crate) name: Option<String>,
    /// The predictor (the first one when omitted).
    #[arg(long, value_name = "NAME")]
    pub(crate) predictor: Option<String>,
    /// Base URL to call instead of a deployment's, e.g. `http://127.0.0.1:8000`.
    #[arg(long, value_name = "URL")]
    pub(crate) endpoint: Option<String>,
    /// The endpoint's protocol (default: the deployment's, else `seldon`).
    #[arg(long, value_parser = ["seldon", "tensorflow", "v2", "kfserving"])]
    pub(crate) protocol: Option<String>,
    /// Call this unit of the graph directly (`/predict`) instead of the executor.
    #[arg(long, value_name = "NAME")]
    pub(crate) unit: Option<String>,
    /// Model name in TF Serving and v2 paths (default: the unit, else `model`).
    #[arg(long, value_name = "NAME")]
    pub(crate) model: Option<String>,
    /// Call the REST or the gRPC endpoint (gRPC: the Seldon protocol's `Seldon` service, or a
    /// unit's `Model` service with `--unit`; for `protocol: tensorflow`, TF Serving's
    /// `PredictionService`, the REST body typed by the model's signature; for `protocol: v2`,
    /// `GRPCInferenceService.ModelInfer`; answers print as REST's; `--endpoint` is then
    /// `host:port`).
    #[arg(long, default_value = "rest", value_parser = ["rest", "grpc"])]
    pub(crate) transport: String,
    /// Per-request timeout (e.g. `30s`).
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub(crate) timeout: std::time::Duration,
}

/// What to send.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct InputArgs {
    /// Nested JSON arrays, e.g. `[[1.0, 2.0]]`.
    #[arg(long, value_name = "JSON")]
    pub(crate) ndarray: Option<String>,
    /// A tensor as `{"shape": [...], "values": [...]}`.
    #[arg(long, value_name = "JSON")]
    pub(crate) tensor: Option<String>,
    /// A complete request body, sent as is.
    #[arg(long, value_name = "BODY")]
    pub(crate) json: Option<String>,
    /// A file holding the complete request body (`-` for stdin).
    #[arg(long, value_name = "PATH", value_hint = clap::ValueHint::FilePath)]
    pub(crate) file: Option<PathBuf>,
}

/// Parses `500ms`, `30s`, `2m`, `1h` or a number of seconds.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "s"), |at| text.split_at(at));
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as `30s`"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use ms, s, m or h)"
            ));
        }
    };
    Ok(std::time::Duration::from_secs_f64(seconds))
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell (or `man` for a roff man page).
    #[arg(value_enum)]
    pub(crate) shell: CompletionTarget,
    /// With `man`: the page of this subcommand (`seldon-local-up(1)`...) instead of the
    /// top-level page.
    #[arg(value_name = "SUBCOMMAND")]
    pub(crate) subcommand: Option<String>,
}

/// What `completions` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompletionTarget {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
    /// A man page (roff).
    Man,
}

/// `seldon-local image` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ImageCommand {
    /// Build seldon-local's image from the running binary, with no registry.
    ///
    /// The image (`seldon-local:<version>`) holds this binary, plus its ELF interpreter and
    /// shared libraries when it is not static. `up` builds it on demand.
    ///
    /// Examples:
    ///   seldon-local image build
    ///   seldon-local image build --force
    #[command(verbatim_doc_comment)]
    Build(ImageBuildArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ImageBuildArgs {
    /// Rebuild even when an image of this binary exists.
    #[arg(long)]
    pub(crate) force: bool,
}

/// Which images `up` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ImagesArg {
    /// The operator's images (pulled when missing).
    Upstream,
    /// seldon-local's own image for every role it can play.
    Builtin,
    /// Upstream where present or pullable, builtin otherwise.
    Auto,
}

/// Formats of `up` and `ps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TableFormat {
    /// A table.
    Table,
    /// JSON.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct UpArgs {
    #[command(flatten)]
    pub(crate) sdep: SdepArgs,
    /// Which images to run.
    #[arg(long, value_enum, default_value_t = ImagesArg::Auto, env = env::SELDON_LOCAL_IMAGES)]
    pub(crate) images: ImagesArg,
    /// Docker: pull every upstream image from this mirror instead of its own registry. The
    /// mirror replaces the registry and keeps the path: `seldonio/sklearnserver:1.18.2` becomes
    /// `HOST:PORT/seldonio/sklearnserver:1.18.2`, `busybox` (Docker Hub's `library/busybox`)
    /// `HOST:PORT/library/busybox`, `nvcr.io/nvidia/tritonserver:23.05-py3`
    /// `HOST:PORT/nvidia/tritonserver:23.05-py3`; images already on it are unchanged. A
    /// `/PREFIX` after the host goes before every path.
    #[arg(long, value_name = "HOST[:PORT]", value_parser = parse_registry, env = env::SELDON_LOCAL_REGISTRY)]
    pub(crate) registry: Option<String>,
    /// Publish a container port on a fixed host port (repeatable); others get free ports.
    #[arg(short, long, value_name = "CONTAINER:PORT=HOSTPORT", value_parser = parse_publish)]
    pub(crate) publish: Vec<(String, u16, u16)>,
    /// Seconds to wait for init containers and readiness.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub(crate) timeout: u64,
    /// Output format of the endpoints.
    #[arg(short, long, value_enum, default_value_t = TableFormat::Table)]
    pub(crate) output: TableFormat,
    /// Where to run: Docker, in this process (no Docker at all), or Docker when a daemon
    /// answers and in-process otherwise.
    #[arg(long, value_enum, default_value_t = RuntimeArg::Auto, env = env::SELDON_LOCAL_RUNTIME)]
    pub(crate) runtime: RuntimeArg,
    /// Embedded runtime: return once ready and keep serving in a background process.
    #[arg(short, long)]
    pub(crate) detach: bool,
    /// Port of the ingress every deployment shares (`/seldon/<namespace>/<name>/...`): by
    /// default the running one, else 8003 when free, else a free port; 0 is any free port.
    #[arg(long, value_name = "PORT", env = env::SELDON_LOCAL_INGRESS_PORT)]
    pub(crate) ingress_port: Option<u16>,
    /// Embedded runtime: play CONTAINER by a local command instead of its image (repeatable).
    /// Implies `--runtime embedded`. The command runs under `sh -c` in the sdep file's
    /// directory, with the container's env (`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`... set to its
    /// host ports) and args; e.g. `--exec my-model='seldon-core-microservice MyModel'`.
    /// `up` waits for the container's readiness probe and, when the command runs
    /// seldon-core-microservice or mlserver, for its gRPC port as well.
    #[arg(long, value_name = "CONTAINER=COMMAND", value_parser = parse_exec)]
    pub(crate) exec: Vec<(String, String)>,
    #[command(flatten)]
    pub(crate) python: PythonArgs,
    /// Internal: this process is the background half of `up -d`.
    #[arg(long, hide = true)]
    pub(crate) detached_child: bool,
}

/// How the embedded runtime plays Python-backed prepackaged servers.
#[derive(Debug, Clone, Args)]
pub(crate) struct PythonArgs {
    /// Embedded runtime: run SKLEARN_SERVER, XGBOOST_SERVER and MLFLOW_SERVER units with this
    /// interpreter (a virtualenv's `bin/python`) as it is, instead of environments seldon-local
    /// builds and caches; it needs `seldon-core` and the model's framework at the version the
    /// model was saved with.
    #[arg(long, value_name = "PATH", env = env::SELDON_LOCAL_PYTHON, value_hint = clap::ValueHint::ExecutablePath)]
    pub(crate) python: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct PrepareArgs {
    #[command(flatten)]
    pub(crate) sdep: SdepArgs,
    #[command(flatten)]
    pub(crate) python: PythonArgs,
}

/// Which runtime `up` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RuntimeArg {
    /// Docker when a daemon answers, else embedded.
    Auto,
    /// Docker containers, pods emulated.
    Docker,
    /// In this process, on 127.0.0.1, with the builtin roles.
    Embedded,
}

fn parse_exec(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((container, command)) if !container.is_empty() && !command.trim().is_empty() => {
            Ok((container.to_owned(), command.to_owned()))
        }
        _ => Err(format!(
            "expected CONTAINER=COMMAND, e.g. `my-model=python3 serve.py`, got `{value}`"
        )),
    }
}

fn parse_publish(value: &str) -> Result<(String, u16, u16), String> {
    let error = || format!("expected CONTAINER:PORT=HOSTPORT, got `{value}`");
    let (left, host) = value.split_once('=').ok_or_else(error)?;
    let (container, port) = left.rsplit_once(':').ok_or_else(error)?;
    Ok((
        container.to_owned(),
        port.parse().map_err(|_| error())?,
        host.parse().map_err(|_| error())?,
    ))
}

/// `HOST[:PORT][/PREFIX]`: a registry as image references name it, without a scheme.
fn parse_registry(value: &str) -> Result<String, String> {
    let registry = value.trim_end_matches('/');
    let host = registry.split('/').next().unwrap_or_default();
    if value.contains("://") {
        return Err(format!(
            "expected HOST[:PORT] as image references name it, without a scheme: `{}`",
            value.split_once("://").map_or(value, |(_, rest)| rest)
        ));
    }
    if host.is_empty()
        || registry.contains("//")
        || registry.chars().any(|c| c.is_whitespace() || c == '@')
    {
        return Err(format!("expected HOST[:PORT], got `{value}`"));
    }
    if let Some((_, port)) = host.rsplit_once(':')
        && !host.ends_with(']')
        && port.parse::<u16>().is_err()
    {
        return Err(format!("`{port}` is not a port number (in `{value}`)"));
    }
    Ok(registry.to_owned())
}

#[derive(Debug, Args)]
pub(crate) struct PsArgs {
    /// Only this deployment.
    #[arg(value_name = "NAME", add = clap_complete::ArgValueCandidates::new(super::completions::running_names))]
    pub(crate) name: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = PsFormat::Table)]
    pub(crate) output: PsFormat,
    /// Also the init containers that finished and Docker's sandboxes.
    #[arg(short, long)]
    pub(crate) all: bool,
}

/// Formats of `ps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PsFormat {
    /// A table that fits 100 columns.
    Table,
    /// A table with pods, roles and full addresses.
    Wide,
    /// JSON.
    Json,
    /// YAML.
    Yaml,
}

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// The deployment (all of them when omitted).
    #[arg(value_name = "NAME", add = clap_complete::ArgValueCandidates::new(super::completions::running_names))]
    pub(crate) name: Option<String>,
    /// Only this container (its name in the pod, e.g. `seldon-container-engine`).
    #[arg(short, long, value_name = "CONTAINER")]
    pub(crate) container: Option<String>,
    /// Keep printing new lines.
    #[arg(short, long)]
    pub(crate) follow: bool,
    /// Only the last N lines of each container.
    #[arg(long, value_name = "N")]
    pub(crate) tail: Option<u64>,
    /// Only lines newer than this: seconds (`90`), a duration (`10m`, `2h`), or a Unix time.
    #[arg(long, value_name = "SINCE", value_parser = parse_since)]
    pub(crate) since: Option<Since>,
    /// Show when each line was written.
    #[arg(short, long)]
    pub(crate) timestamps: bool,
    /// Show the request log instead: the requests and responses the executor sent to the
    /// deployment's request-log sink (graph nodes with a `logger` and no `url`).
    #[arg(long, conflicts_with_all = ["container", "tail", "since", "timestamps"])]
    pub(crate) requests: bool,
    /// Format of `--requests`: one line per event, or the stored events as JSON lines.
    #[arg(short, long, value_enum, default_value_t = RequestsFormat::Text, requires = "requests")]
    pub(crate) output: RequestsFormat,
}

/// Formats of `logs --requests`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RequestsFormat {
    /// One line per event: time, kind, node, puid, data.
    Text,
    /// The stored CloudEvents (headers and data), one JSON object a line.
    Json,
}

/// `--since`: seconds ago, or a Unix time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Since {
    /// This many seconds before now.
    Ago(u64),
    /// This Unix time.
    At(u64),
}

/// `90`, `90s`, `10m`, `2h`, `1d` (ago), or a Unix time (more than a year of seconds).
fn parse_since(value: &str) -> Result<Since, String> {
    let (number, unit) = match value.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&value[..i], Some(c)),
        _ => (value, None),
    };
    let Ok(n) = number.parse::<u64>() else {
        return Err(format!(
            "`{value}`: expected seconds, a duration like `10m`, or a Unix time"
        ));
    };
    let seconds = match unit {
        None | Some('s') => n,
        Some('m') => n * 60,
        Some('h') => n * 3600,
        Some('d') => n * 86400,
        Some(other) => {
            return Err(format!(
                "`{value}`: unknown unit `{other}` (use s, m, h or d)"
            ));
        }
    };
    Ok(if unit.is_none() && seconds > 365 * 86400 {
        Since::At(seconds)
    } else {
        Since::Ago(seconds)
    })
}

#[derive(Debug, Args)]
#[group(id = "which", required = true, multiple = false, args = ["name", "file", "all"])]
pub(crate) struct DownArgs {
    /// The deployment's name.
    #[arg(value_name = "NAME", add = clap_complete::ArgValueCandidates::new(super::completions::running_names))]
    pub(crate) name: Option<String>,
    /// The SeldonDeployment file the deployment was started from.
    #[arg(short, long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub(crate) file: Option<PathBuf>,
    /// Every deployment seldon-local runs, on both runtimes (another person's included).
    #[arg(long)]
    pub(crate) all: bool,
}

/// Where the SeldonDeployment comes from and how the operator is emulated.
#[derive(Debug, Args)]
pub(crate) struct SdepArgs {
    /// A YAML or JSON file with one or more SeldonDeployments, or `-` for stdin.
    #[arg(value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub(crate) file: PathBuf,
    /// The Seldon Core version whose operator behaviour is emulated.
    #[arg(long, value_name = "VERSION", default_value = "1.18.2", env = env::SELDON_LOCAL_SELDON_VERSION,
          value_parser = |s: &str| s.parse::<SeldonVersion>())]
    pub(crate) seldon_version: SeldonVersion,
    /// A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones.
    #[arg(long, value_name = "FILE", env = env::SELDON_LOCAL_CONFIG)]
    pub(crate) config: Option<PathBuf>,
    /// Namespace for resources that do not set one (the operator's default is `default`).
    #[arg(short, long)]
    pub(crate) namespace: Option<String>,
    /// Treat warnings (unknown fields) as errors.
    #[arg(long)]
    pub(crate) strict: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    #[command(flatten)]
    pub(crate) sdep: SdepArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RenderArgs {
    #[command(flatten)]
    pub(crate) sdep: SdepArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Yaml)]
    pub(crate) output: Format,
    /// What to print.
    #[arg(long, value_enum, default_value_t = Show::Objects)]
    pub(crate) show: Show,
}

/// Data formats for stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// YAML, documents separated by `---`.
    Yaml,
    /// JSON; several objects become a `v1` List.
    Json,
}

/// What `render` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Show {
    /// The Kubernetes Deployments and Services.
    Objects,
    /// The SeldonDeployment after the operator's defaulting.
    Defaulted,
    /// The plan the local runtimes execute (pods, containers, services, graph).
    Plan,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_are_host_port_and_an_optional_prefix() {
        assert_eq!(
            parse_registry("127.0.0.1:5000"),
            Ok("127.0.0.1:5000".into())
        );
        assert_eq!(
            parse_registry("mirror.local/hub/"),
            Ok("mirror.local/hub".into())
        );
        assert_eq!(parse_registry("[::1]:5000"), Ok("[::1]:5000".into()));
        assert_eq!(
            parse_registry("http://127.0.0.1:5000"),
            Err("expected HOST[:PORT] as image references name it, without a scheme: `127.0.0.1:5000`".into())
        );
        assert_eq!(
            parse_registry("127.0.0.1:http"),
            Err("`http` is not a port number (in `127.0.0.1:http`)".into())
        );
        assert!(parse_registry("").is_err());
        assert!(parse_registry("/x").is_err());
        assert!(parse_registry("a b").is_err());
    }
}
