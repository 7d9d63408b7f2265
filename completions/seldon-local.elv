
use builtin;
use str;

set edit:completion:arg-completer[seldon-local] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'seldon-local'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'seldon-local'= {
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand validate 'Check SeldonDeployments the way the Seldon operator''s webhook does.'
            cand render 'Print the Kubernetes objects the Seldon operator would create.'
            cand predict 'Send a prediction, or a load of them, to a running deployment.'
            cand feedback 'Send feedback (a reward, and optionally the truth) for a prediction.'
            cand metadata 'Print a deployment''s metadata (the graph''s, or one unit''s with `--unit`).'
            cand completions 'Print a shell completion script, or the man page.'
            cand up 'Run a SeldonDeployment, in Docker or in this process, and wait until it is ready.'
            cand ps 'List the containers of running deployments, with state, readiness and ports.'
            cand logs 'Print the logs of a deployment''s containers, prefixed with their names.'
            cand down 'Remove a deployment: containers, sandboxes, network and volumes (or, embedded, its process and volumes).'
            cand image 'Manage seldon-local''s own Docker image'
            cand component 'Play one of the roles the operator gives to containers (internal entry points)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;validate'= {
            cand --seldon-version 'The Seldon Core version whose operator behaviour is emulated'
            cand --config 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones'
            cand -n 'Namespace for resources that do not set one (the operator''s default is `default`)'
            cand --namespace 'Namespace for resources that do not set one (the operator''s default is `default`)'
            cand --color 'When to use colours'
            cand --strict 'Treat warnings (unknown fields) as errors'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;render'= {
            cand --seldon-version 'The Seldon Core version whose operator behaviour is emulated'
            cand --config 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones'
            cand -n 'Namespace for resources that do not set one (the operator''s default is `default`)'
            cand --namespace 'Namespace for resources that do not set one (the operator''s default is `default`)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --show 'What to print'
            cand --color 'When to use colours'
            cand --strict 'Treat warnings (unknown fields) as errors'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;predict'= {
            cand --predictor 'The predictor (the first one when omitted)'
            cand --endpoint 'Base URL to call instead of a deployment''s, e.g. `http://127.0.0.1:8000`'
            cand --protocol 'The endpoint''s protocol (default: the deployment''s, else `seldon`)'
            cand --unit 'Call this unit of the graph directly (`/predict`) instead of the executor'
            cand --model 'Model name in TF Serving and v2 paths (default: the unit, else `model`)'
            cand --timeout 'Per-request timeout (e.g. `30s`)'
            cand --ndarray 'Nested JSON arrays, e.g. `[[1.0, 2.0]]`'
            cand --tensor 'A tensor as `{"shape": [...], "values": [...]}`'
            cand --json 'A complete request body, sent as is'
            cand --file 'A file holding the complete request body (`-` for stdin)'
            cand --names 'Feature names sent with `--ndarray` or `--tensor` (Seldon `data.names`, v2 input name)'
            cand --repeat 'Send N requests and report latency and throughput'
            cand --duration 'Send for this long (e.g. `30s`, `2m`) and report latency and throughput'
            cand --concurrency 'Requests in flight at once in load mode'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;feedback'= {
            cand --predictor 'The predictor (the first one when omitted)'
            cand --endpoint 'Base URL to call instead of a deployment''s, e.g. `http://127.0.0.1:8000`'
            cand --protocol 'The endpoint''s protocol (default: the deployment''s, else `seldon`)'
            cand --unit 'Call this unit of the graph directly (`/predict`) instead of the executor'
            cand --model 'Model name in TF Serving and v2 paths (default: the unit, else `model`)'
            cand --timeout 'Per-request timeout (e.g. `30s`)'
            cand --json 'The feedback body'
            cand --file 'A file holding the feedback body (`-` for stdin)'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;metadata'= {
            cand --predictor 'The predictor (the first one when omitted)'
            cand --endpoint 'Base URL to call instead of a deployment''s, e.g. `http://127.0.0.1:8000`'
            cand --protocol 'The endpoint''s protocol (default: the deployment''s, else `seldon`)'
            cand --unit 'Call this unit of the graph directly (`/predict`) instead of the executor'
            cand --model 'Model name in TF Serving and v2 paths (default: the unit, else `model`)'
            cand --timeout 'Per-request timeout (e.g. `30s`)'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;completions'= {
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;up'= {
            cand --seldon-version 'The Seldon Core version whose operator behaviour is emulated'
            cand --config 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones'
            cand -n 'Namespace for resources that do not set one (the operator''s default is `default`)'
            cand --namespace 'Namespace for resources that do not set one (the operator''s default is `default`)'
            cand --images 'Which images to run'
            cand -p 'Publish a container port on a fixed host port (repeatable); others get free ports'
            cand --publish 'Publish a container port on a fixed host port (repeatable); others get free ports'
            cand --timeout 'Seconds to wait for init containers and readiness'
            cand -o 'Output format of the endpoints'
            cand --output 'Output format of the endpoints'
            cand --runtime 'Where to run: Docker, in this process (no Docker at all), or Docker when a daemon answers and in-process otherwise'
            cand --exec 'Embedded runtime: play CONTAINER by a local command instead of its image (repeatable). Implies `--runtime embedded`. The command runs under `sh -c` in the sdep file''s directory, with the container''s env (`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`... set to its host ports) and args; e.g. `--exec my-model=''seldon-core-microservice MyModel''`'
            cand --color 'When to use colours'
            cand --strict 'Treat warnings (unknown fields) as errors'
            cand -d 'Embedded runtime: return once ready and keep serving in a background process'
            cand --detach 'Embedded runtime: return once ready and keep serving in a background process'
            cand --detached-child 'Internal: this process is the background half of `up -d`'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;ps'= {
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;logs'= {
            cand -c 'Only this container (its name in the pod, e.g. `seldon-container-engine`)'
            cand --container 'Only this container (its name in the pod, e.g. `seldon-container-engine`)'
            cand --tail 'Only the last N lines of each container'
            cand --since 'Only lines newer than this: seconds (`90`), a duration (`10m`, `2h`), or a Unix time'
            cand --color 'When to use colours'
            cand -f 'Keep printing new lines'
            cand --follow 'Keep printing new lines'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;down'= {
            cand -f 'The SeldonDeployment file the deployment was started from'
            cand --file 'The SeldonDeployment file the deployment was started from'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;image'= {
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand build 'Build seldon-local''s image from the running binary, with no registry.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;image;build'= {
            cand --color 'When to use colours'
            cand --force 'Rebuild even when an image of this binary exists'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;image;help'= {
            cand build 'Build seldon-local''s image from the running binary, with no registry.'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;image;help;build'= {
        }
        &'seldon-local;image;help;help'= {
        }
        &'seldon-local;component'= {
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand executor 'The executor (`seldonio/seldon-core-executor`): serves the predictor''s API and walks the graph given in `ENGINE_PREDICTOR`'
            cand tfserving-proxy 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving''s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`'
            cand pause 'The pod sandbox: holds the pod''s network namespace until SIGTERM or SIGINT'
            cand storage-initializer 'Fetch a model URI into a directory, as the storage-initializer init container does.'
            cand tensorflow-model-server 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
            cand serve-files 'Serve a directory''s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;component;executor'= {
            cand --sdep 'SeldonDeployment name'
            cand --namespace 'Namespace'
            cand --predictor 'Predictor name'
            cand --port 'Single port for REST (1.2.1); overrides `--http_port`'
            cand --http_port 'REST port'
            cand --grpc_port 'gRPC port (accepted; gRPC is not served)'
            cand --protocol 'Protocol: seldon, tensorflow, v2 or kfserving'
            cand --transport 'Transport: rest (grpc is not supported)'
            cand --prometheus_path 'Path of the Prometheus metrics'
            cand --server_type 'Server type: rpc (kafka is not supported)'
            cand --full_health_checks 'Check each unit''s health endpoint instead of a TCP connect for `/ready`'
            cand --file 'Load the predictor from a SeldonDeployment file (not supported; use `ENGINE_PREDICTOR`)'
            cand --hostname 'Hostname used in request-log CloudEvents (accepted)'
            cand --logger_workers 'Request-logger workers (accepted; request logging is not implemented)'
            cand --log_work_buffer_size 'Request-logger queue size (accepted)'
            cand --log_write_timeout_ms 'Request-logger enqueue timeout (accepted)'
            cand --graceful_timeout 'Graceful shutdown timeout (accepted)'
            cand --shutdown_delay 'Delay before shutdown (accepted)'
            cand --log_level 'Log level (accepted)'
            cand --annotations 'The pod''s downward-API annotations file (`seldon.io/rest-timeout` is read from it)'
            cand --bind 'Address to listen on (upstream listens on every interface; containers need `0.0.0.0`)'
            cand --max_body_bytes 'Largest request body accepted; bigger ones get 413'
            cand --engine_predictor 'The predictor spec: base64 of its JSON, as the operator sets it'
            cand --routing-injection 'Write `meta.routing` into replies when non-empty'
            cand --cors-allowed-origins '`Access-Control-Allow-Origin`'
            cand --cors-allowed-headers '`Access-Control-Allow-Headers`'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;component;tfserving-proxy'= {
            cand --parameters '`PREDICTIVE_UNIT_PARAMETERS`: rest_endpoint, model_name, signature_name, …'
            cand --http-service-port '`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`'
            cand --service-port '`PREDICTIVE_UNIT_SERVICE_PORT` (used when the HTTP one is absent, as 1.2.1 sets only it)'
            cand --unit-id '`PREDICTIVE_UNIT_ID`: the graph node name, for `meta.requestPath`'
            cand --unit-image '`PREDICTIVE_UNIT_IMAGE`: the unit''s image, for `meta.requestPath` and `/metadata`'
            cand --bind 'Address to listen on (upstream listens on every interface; containers need `0.0.0.0`)'
            cand --max_body_bytes 'Largest request body accepted; bigger ones get 413'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;component;pause'= {
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;component;storage-initializer'= {
            cand --pvc 'Map a persistent volume claim to a local directory, as `CLAIM=DIR` (repeatable)'
            cand --base-dir 'The directory relative local paths in SRC are resolved against'
            cand --parallel 'How many files to download at once'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;component;tensorflow-model-server'= {
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;component;serve-files'= {
            cand --dir 'The directory whose files are served'
            cand --listen 'Address to listen on (containers need `0.0.0.0`)'
            cand --tls-cert 'The certificate chain (PEM, leaf first); with `--tls-key`, serve HTTPS'
            cand --tls-key 'The certificate''s private key (PEM)'
            cand --color 'When to use colours'
            cand -q 'Print errors only'
            cand --quiet 'Print errors only'
            cand -v 'Also print notes (fields carried but not honoured) and debug detail'
            cand --verbose 'Also print notes (fields carried but not honoured) and debug detail'
            cand --no-progress 'Never draw progress bars'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'seldon-local;component;help'= {
            cand executor 'The executor (`seldonio/seldon-core-executor`): serves the predictor''s API and walks the graph given in `ENGINE_PREDICTOR`'
            cand tfserving-proxy 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving''s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`'
            cand pause 'The pod sandbox: holds the pod''s network namespace until SIGTERM or SIGINT'
            cand storage-initializer 'Fetch a model URI into a directory, as the storage-initializer init container does.'
            cand tensorflow-model-server 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
            cand serve-files 'Serve a directory''s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;component;help;executor'= {
        }
        &'seldon-local;component;help;tfserving-proxy'= {
        }
        &'seldon-local;component;help;pause'= {
        }
        &'seldon-local;component;help;storage-initializer'= {
        }
        &'seldon-local;component;help;tensorflow-model-server'= {
        }
        &'seldon-local;component;help;serve-files'= {
        }
        &'seldon-local;component;help;help'= {
        }
        &'seldon-local;help'= {
            cand validate 'Check SeldonDeployments the way the Seldon operator''s webhook does.'
            cand render 'Print the Kubernetes objects the Seldon operator would create.'
            cand predict 'Send a prediction, or a load of them, to a running deployment.'
            cand feedback 'Send feedback (a reward, and optionally the truth) for a prediction.'
            cand metadata 'Print a deployment''s metadata (the graph''s, or one unit''s with `--unit`).'
            cand completions 'Print a shell completion script, or the man page.'
            cand up 'Run a SeldonDeployment, in Docker or in this process, and wait until it is ready.'
            cand ps 'List the containers of running deployments, with state, readiness and ports.'
            cand logs 'Print the logs of a deployment''s containers, prefixed with their names.'
            cand down 'Remove a deployment: containers, sandboxes, network and volumes (or, embedded, its process and volumes).'
            cand image 'Manage seldon-local''s own Docker image'
            cand component 'Play one of the roles the operator gives to containers (internal entry points)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;help;validate'= {
        }
        &'seldon-local;help;render'= {
        }
        &'seldon-local;help;predict'= {
        }
        &'seldon-local;help;feedback'= {
        }
        &'seldon-local;help;metadata'= {
        }
        &'seldon-local;help;completions'= {
        }
        &'seldon-local;help;up'= {
        }
        &'seldon-local;help;ps'= {
        }
        &'seldon-local;help;logs'= {
        }
        &'seldon-local;help;down'= {
        }
        &'seldon-local;help;image'= {
            cand build 'Build seldon-local''s image from the running binary, with no registry.'
        }
        &'seldon-local;help;image;build'= {
        }
        &'seldon-local;help;component'= {
            cand executor 'The executor (`seldonio/seldon-core-executor`): serves the predictor''s API and walks the graph given in `ENGINE_PREDICTOR`'
            cand tfserving-proxy 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving''s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`'
            cand pause 'The pod sandbox: holds the pod''s network namespace until SIGTERM or SIGINT'
            cand storage-initializer 'Fetch a model URI into a directory, as the storage-initializer init container does.'
            cand tensorflow-model-server 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
            cand serve-files 'Serve a directory''s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network'
        }
        &'seldon-local;help;component;executor'= {
        }
        &'seldon-local;help;component;tfserving-proxy'= {
        }
        &'seldon-local;help;component;pause'= {
        }
        &'seldon-local;help;component;storage-initializer'= {
        }
        &'seldon-local;help;component;tensorflow-model-server'= {
        }
        &'seldon-local;help;component;serve-files'= {
        }
        &'seldon-local;help;help'= {
        }
    ]
    $completions[$command]
}
