
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'seldon-local' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'seldon-local'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'seldon-local' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check SeldonDeployments the way the Seldon operator''s webhook does.')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the Kubernetes objects the Seldon operator would create.')
            [CompletionResult]::new('predict', 'predict', [CompletionResultType]::ParameterValue, 'Send a prediction, or a load of them, to a running deployment.')
            [CompletionResult]::new('feedback', 'feedback', [CompletionResultType]::ParameterValue, 'Send feedback (a reward, and optionally the truth) for a prediction.')
            [CompletionResult]::new('metadata', 'metadata', [CompletionResultType]::ParameterValue, 'Print a deployment''s metadata (the graph''s, or one unit''s with `--unit`).')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or the man page.')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Run a SeldonDeployment, in Docker or in this process, and wait until it is ready.')
            [CompletionResult]::new('ps', 'ps', [CompletionResultType]::ParameterValue, 'List the containers of running deployments, with state, readiness and ports.')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the logs of a deployment''s containers, prefixed with their names.')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Remove a deployment: containers, sandboxes, network and volumes (or, embedded, its process and volumes).')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Manage seldon-local''s own Docker image')
            [CompletionResult]::new('component', 'component', [CompletionResultType]::ParameterValue, 'Play one of the roles the operator gives to containers (internal entry points)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'seldon-local;validate' {
            [CompletionResult]::new('--seldon-version', '--seldon-version', [CompletionResultType]::ParameterName, 'The Seldon Core version whose operator behaviour is emulated')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that do not set one (the operator''s default is `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that do not set one (the operator''s default is `default`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings (unknown fields) as errors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;render' {
            [CompletionResult]::new('--seldon-version', '--seldon-version', [CompletionResultType]::ParameterName, 'The Seldon Core version whose operator behaviour is emulated')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that do not set one (the operator''s default is `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that do not set one (the operator''s default is `default`)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--show', '--show', [CompletionResultType]::ParameterName, 'What to print')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings (unknown fields) as errors')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;predict' {
            [CompletionResult]::new('--predictor', '--predictor', [CompletionResultType]::ParameterName, 'The predictor (the first one when omitted)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Base URL to call instead of a deployment''s, e.g. `http://127.0.0.1:8000`')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'The endpoint''s protocol (default: the deployment''s, else `seldon`)')
            [CompletionResult]::new('--unit', '--unit', [CompletionResultType]::ParameterName, 'Call this unit of the graph directly (`/predict`) instead of the executor')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model name in TF Serving and v2 paths (default: the unit, else `model`)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (e.g. `30s`)')
            [CompletionResult]::new('--ndarray', '--ndarray', [CompletionResultType]::ParameterName, 'Nested JSON arrays, e.g. `[[1.0, 2.0]]`')
            [CompletionResult]::new('--tensor', '--tensor', [CompletionResultType]::ParameterName, 'A tensor as `{"shape": [...], "values": [...]}`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'A complete request body, sent as is')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A file holding the complete request body (`-` for stdin)')
            [CompletionResult]::new('--names', '--names', [CompletionResultType]::ParameterName, 'Feature names sent with `--ndarray` or `--tensor` (Seldon `data.names`, v2 input name)')
            [CompletionResult]::new('--repeat', '--repeat', [CompletionResultType]::ParameterName, 'Send N requests and report latency and throughput')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Send for this long (e.g. `30s`, `2m`) and report latency and throughput')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests in flight at once in load mode')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;feedback' {
            [CompletionResult]::new('--predictor', '--predictor', [CompletionResultType]::ParameterName, 'The predictor (the first one when omitted)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Base URL to call instead of a deployment''s, e.g. `http://127.0.0.1:8000`')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'The endpoint''s protocol (default: the deployment''s, else `seldon`)')
            [CompletionResult]::new('--unit', '--unit', [CompletionResultType]::ParameterName, 'Call this unit of the graph directly (`/predict`) instead of the executor')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model name in TF Serving and v2 paths (default: the unit, else `model`)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (e.g. `30s`)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'The feedback body')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'A file holding the feedback body (`-` for stdin)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;metadata' {
            [CompletionResult]::new('--predictor', '--predictor', [CompletionResultType]::ParameterName, 'The predictor (the first one when omitted)')
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Base URL to call instead of a deployment''s, e.g. `http://127.0.0.1:8000`')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'The endpoint''s protocol (default: the deployment''s, else `seldon`)')
            [CompletionResult]::new('--unit', '--unit', [CompletionResultType]::ParameterName, 'Call this unit of the graph directly (`/predict`) instead of the executor')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model name in TF Serving and v2 paths (default: the unit, else `model`)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Per-request timeout (e.g. `30s`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;completions' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;up' {
            [CompletionResult]::new('--seldon-version', '--seldon-version', [CompletionResultType]::ParameterName, 'The Seldon Core version whose operator behaviour is emulated')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A `seldon-config` ConfigMap (YAML or JSON) whose keys replace the embedded ones')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace for resources that do not set one (the operator''s default is `default`)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace for resources that do not set one (the operator''s default is `default`)')
            [CompletionResult]::new('--images', '--images', [CompletionResultType]::ParameterName, 'Which images to run')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Publish a container port on a fixed host port (repeatable); others get free ports')
            [CompletionResult]::new('--publish', '--publish', [CompletionResultType]::ParameterName, 'Publish a container port on a fixed host port (repeatable); others get free ports')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for init containers and readiness')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the endpoints')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the endpoints')
            [CompletionResult]::new('--runtime', '--runtime', [CompletionResultType]::ParameterName, 'Where to run: Docker, in this process (no Docker at all), or Docker when a daemon answers and in-process otherwise')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Embedded runtime: play CONTAINER by a local command instead of its image (repeatable). Implies `--runtime embedded`. The command runs under `sh -c` in the sdep file''s directory, with the container''s env (`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`... set to its host ports) and args; e.g. `--exec my-model=''seldon-core-microservice MyModel''`')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Treat warnings (unknown fields) as errors')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Embedded runtime: return once ready and keep serving in a background process')
            [CompletionResult]::new('--detach', '--detach', [CompletionResultType]::ParameterName, 'Embedded runtime: return once ready and keep serving in a background process')
            [CompletionResult]::new('--detached-child', '--detached-child', [CompletionResultType]::ParameterName, 'Internal: this process is the background half of `up -d`')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;ps' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;logs' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Only this container (its name in the pod, e.g. `seldon-container-engine`)')
            [CompletionResult]::new('--container', '--container', [CompletionResultType]::ParameterName, 'Only this container (its name in the pod, e.g. `seldon-container-engine`)')
            [CompletionResult]::new('--tail', '--tail', [CompletionResultType]::ParameterName, 'Only the last N lines of each container')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only lines newer than this: seconds (`90`), a duration (`10m`, `2h`), or a Unix time')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep printing new lines')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep printing new lines')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;down' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The SeldonDeployment file the deployment was started from')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The SeldonDeployment file the deployment was started from')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;image' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build seldon-local''s image from the running binary, with no registry.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'seldon-local;image;build' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Rebuild even when an image of this binary exists')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;image;help' {
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build seldon-local''s image from the running binary, with no registry.')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'seldon-local;image;help;build' {
            break
        }
        'seldon-local;image;help;help' {
            break
        }
        'seldon-local;component' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('executor', 'executor', [CompletionResultType]::ParameterValue, 'The executor (`seldonio/seldon-core-executor`): serves the predictor''s API and walks the graph given in `ENGINE_PREDICTOR`')
            [CompletionResult]::new('tfserving-proxy', 'tfserving-proxy', [CompletionResultType]::ParameterValue, 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving''s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'The pod sandbox: holds the pod''s network namespace until SIGTERM or SIGINT')
            [CompletionResult]::new('storage-initializer', 'storage-initializer', [CompletionResultType]::ParameterValue, 'Fetch a model URI into a directory, as the storage-initializer init container does.')
            [CompletionResult]::new('tensorflow-model-server', 'tensorflow-model-server', [CompletionResultType]::ParameterValue, 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)')
            [CompletionResult]::new('serve-files', 'serve-files', [CompletionResultType]::ParameterValue, 'Serve a directory''s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'seldon-local;component;executor' {
            [CompletionResult]::new('--sdep', '--sdep', [CompletionResultType]::ParameterName, 'SeldonDeployment name')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace')
            [CompletionResult]::new('--predictor', '--predictor', [CompletionResultType]::ParameterName, 'Predictor name')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Single port for REST (1.2.1); overrides `--http_port`')
            [CompletionResult]::new('--http_port', '--http_port', [CompletionResultType]::ParameterName, 'REST port')
            [CompletionResult]::new('--grpc_port', '--grpc_port', [CompletionResultType]::ParameterName, 'gRPC port (accepted; gRPC is not served)')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'Protocol: seldon, tensorflow, v2 or kfserving')
            [CompletionResult]::new('--transport', '--transport', [CompletionResultType]::ParameterName, 'Transport: rest (grpc is not supported)')
            [CompletionResult]::new('--prometheus_path', '--prometheus_path', [CompletionResultType]::ParameterName, 'Path of the Prometheus metrics')
            [CompletionResult]::new('--server_type', '--server_type', [CompletionResultType]::ParameterName, 'Server type: rpc (kafka is not supported)')
            [CompletionResult]::new('--full_health_checks', '--full_health_checks', [CompletionResultType]::ParameterName, 'Check each unit''s health endpoint instead of a TCP connect for `/ready`')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Load the predictor from a SeldonDeployment file (not supported; use `ENGINE_PREDICTOR`)')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'Hostname used in request-log CloudEvents (accepted)')
            [CompletionResult]::new('--logger_workers', '--logger_workers', [CompletionResultType]::ParameterName, 'Request-logger workers (accepted; request logging is not implemented)')
            [CompletionResult]::new('--log_work_buffer_size', '--log_work_buffer_size', [CompletionResultType]::ParameterName, 'Request-logger queue size (accepted)')
            [CompletionResult]::new('--log_write_timeout_ms', '--log_write_timeout_ms', [CompletionResultType]::ParameterName, 'Request-logger enqueue timeout (accepted)')
            [CompletionResult]::new('--graceful_timeout', '--graceful_timeout', [CompletionResultType]::ParameterName, 'Graceful shutdown timeout (accepted)')
            [CompletionResult]::new('--shutdown_delay', '--shutdown_delay', [CompletionResultType]::ParameterName, 'Delay before shutdown (accepted)')
            [CompletionResult]::new('--log_level', '--log_level', [CompletionResultType]::ParameterName, 'Log level (accepted)')
            [CompletionResult]::new('--annotations', '--annotations', [CompletionResultType]::ParameterName, 'The pod''s downward-API annotations file (`seldon.io/rest-timeout` is read from it)')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on (upstream listens on every interface; containers need `0.0.0.0`)')
            [CompletionResult]::new('--max_body_bytes', '--max_body_bytes', [CompletionResultType]::ParameterName, 'Largest request body accepted; bigger ones get 413')
            [CompletionResult]::new('--engine_predictor', '--engine_predictor', [CompletionResultType]::ParameterName, 'The predictor spec: base64 of its JSON, as the operator sets it')
            [CompletionResult]::new('--routing-injection', '--routing-injection', [CompletionResultType]::ParameterName, 'Write `meta.routing` into replies when non-empty')
            [CompletionResult]::new('--cors-allowed-origins', '--cors-allowed-origins', [CompletionResultType]::ParameterName, '`Access-Control-Allow-Origin`')
            [CompletionResult]::new('--cors-allowed-headers', '--cors-allowed-headers', [CompletionResultType]::ParameterName, '`Access-Control-Allow-Headers`')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;component;tfserving-proxy' {
            [CompletionResult]::new('--parameters', '--parameters', [CompletionResultType]::ParameterName, '`PREDICTIVE_UNIT_PARAMETERS`: rest_endpoint, model_name, signature_name, …')
            [CompletionResult]::new('--http-service-port', '--http-service-port', [CompletionResultType]::ParameterName, '`PREDICTIVE_UNIT_HTTP_SERVICE_PORT`')
            [CompletionResult]::new('--service-port', '--service-port', [CompletionResultType]::ParameterName, '`PREDICTIVE_UNIT_SERVICE_PORT` (used when the HTTP one is absent, as 1.2.1 sets only it)')
            [CompletionResult]::new('--unit-id', '--unit-id', [CompletionResultType]::ParameterName, '`PREDICTIVE_UNIT_ID`: the graph node name, for `meta.requestPath`')
            [CompletionResult]::new('--unit-image', '--unit-image', [CompletionResultType]::ParameterName, '`PREDICTIVE_UNIT_IMAGE`: the unit''s image, for `meta.requestPath` and `/metadata`')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on (upstream listens on every interface; containers need `0.0.0.0`)')
            [CompletionResult]::new('--max_body_bytes', '--max_body_bytes', [CompletionResultType]::ParameterName, 'Largest request body accepted; bigger ones get 413')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;component;pause' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;component;storage-initializer' {
            [CompletionResult]::new('--pvc', '--pvc', [CompletionResultType]::ParameterName, 'Map a persistent volume claim to a local directory, as `CLAIM=DIR` (repeatable)')
            [CompletionResult]::new('--base-dir', '--base-dir', [CompletionResultType]::ParameterName, 'The directory relative local paths in SRC are resolved against')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'How many files to download at once')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;component;tensorflow-model-server' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;component;serve-files' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The directory whose files are served')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (containers need `0.0.0.0`)')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'The certificate chain (PEM, leaf first); with `--tls-key`, serve HTTPS')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The certificate''s private key (PEM)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colours')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print errors only')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Also print notes (fields carried but not honoured) and debug detail')
            [CompletionResult]::new('--no-progress', '--no-progress', [CompletionResultType]::ParameterName, 'Never draw progress bars')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'seldon-local;component;help' {
            [CompletionResult]::new('executor', 'executor', [CompletionResultType]::ParameterValue, 'The executor (`seldonio/seldon-core-executor`): serves the predictor''s API and walks the graph given in `ENGINE_PREDICTOR`')
            [CompletionResult]::new('tfserving-proxy', 'tfserving-proxy', [CompletionResultType]::ParameterValue, 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving''s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'The pod sandbox: holds the pod''s network namespace until SIGTERM or SIGINT')
            [CompletionResult]::new('storage-initializer', 'storage-initializer', [CompletionResultType]::ParameterValue, 'Fetch a model URI into a directory, as the storage-initializer init container does.')
            [CompletionResult]::new('tensorflow-model-server', 'tensorflow-model-server', [CompletionResultType]::ParameterValue, 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)')
            [CompletionResult]::new('serve-files', 'serve-files', [CompletionResultType]::ParameterValue, 'Serve a directory''s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'seldon-local;component;help;executor' {
            break
        }
        'seldon-local;component;help;tfserving-proxy' {
            break
        }
        'seldon-local;component;help;pause' {
            break
        }
        'seldon-local;component;help;storage-initializer' {
            break
        }
        'seldon-local;component;help;tensorflow-model-server' {
            break
        }
        'seldon-local;component;help;serve-files' {
            break
        }
        'seldon-local;component;help;help' {
            break
        }
        'seldon-local;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check SeldonDeployments the way the Seldon operator''s webhook does.')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the Kubernetes objects the Seldon operator would create.')
            [CompletionResult]::new('predict', 'predict', [CompletionResultType]::ParameterValue, 'Send a prediction, or a load of them, to a running deployment.')
            [CompletionResult]::new('feedback', 'feedback', [CompletionResultType]::ParameterValue, 'Send feedback (a reward, and optionally the truth) for a prediction.')
            [CompletionResult]::new('metadata', 'metadata', [CompletionResultType]::ParameterValue, 'Print a deployment''s metadata (the graph''s, or one unit''s with `--unit`).')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or the man page.')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Run a SeldonDeployment, in Docker or in this process, and wait until it is ready.')
            [CompletionResult]::new('ps', 'ps', [CompletionResultType]::ParameterValue, 'List the containers of running deployments, with state, readiness and ports.')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Print the logs of a deployment''s containers, prefixed with their names.')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Remove a deployment: containers, sandboxes, network and volumes (or, embedded, its process and volumes).')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Manage seldon-local''s own Docker image')
            [CompletionResult]::new('component', 'component', [CompletionResultType]::ParameterValue, 'Play one of the roles the operator gives to containers (internal entry points)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'seldon-local;help;validate' {
            break
        }
        'seldon-local;help;render' {
            break
        }
        'seldon-local;help;predict' {
            break
        }
        'seldon-local;help;feedback' {
            break
        }
        'seldon-local;help;metadata' {
            break
        }
        'seldon-local;help;completions' {
            break
        }
        'seldon-local;help;up' {
            break
        }
        'seldon-local;help;ps' {
            break
        }
        'seldon-local;help;logs' {
            break
        }
        'seldon-local;help;down' {
            break
        }
        'seldon-local;help;image' {
            [CompletionResult]::new('build', 'build', [CompletionResultType]::ParameterValue, 'Build seldon-local''s image from the running binary, with no registry.')
            break
        }
        'seldon-local;help;image;build' {
            break
        }
        'seldon-local;help;component' {
            [CompletionResult]::new('executor', 'executor', [CompletionResultType]::ParameterValue, 'The executor (`seldonio/seldon-core-executor`): serves the predictor''s API and walks the graph given in `ENGINE_PREDICTOR`')
            [CompletionResult]::new('tfserving-proxy', 'tfserving-proxy', [CompletionResultType]::ParameterValue, 'The tfserving proxy (`seldonio/tfserving-proxy`): a Seldon unit in front of TensorFlow Serving''s REST API, configured by `PREDICTIVE_UNIT_PARAMETERS`')
            [CompletionResult]::new('pause', 'pause', [CompletionResultType]::ParameterValue, 'The pod sandbox: holds the pod''s network namespace until SIGTERM or SIGINT')
            [CompletionResult]::new('storage-initializer', 'storage-initializer', [CompletionResultType]::ParameterValue, 'Fetch a model URI into a directory, as the storage-initializer init container does.')
            [CompletionResult]::new('tensorflow-model-server', 'tensorflow-model-server', [CompletionResultType]::ParameterValue, 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)')
            [CompletionResult]::new('serve-files', 'serve-files', [CompletionResultType]::ParameterValue, 'Serve a directory''s files read-only over HTTP, or HTTPS with `--tls-cert`/`--tls-key`: a stand-in model registry for trying `http(s)://` model URIs on a local network')
            break
        }
        'seldon-local;help;component;executor' {
            break
        }
        'seldon-local;help;component;tfserving-proxy' {
            break
        }
        'seldon-local;help;component;pause' {
            break
        }
        'seldon-local;help;component;storage-initializer' {
            break
        }
        'seldon-local;help;component;tensorflow-model-server' {
            break
        }
        'seldon-local;help;component;serve-files' {
            break
        }
        'seldon-local;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
