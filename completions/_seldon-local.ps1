
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
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or the man page.')
            [CompletionResult]::new('component', 'component', [CompletionResultType]::ParameterValue, 'Run one of the components a SeldonDeployment''s pods run (internal entrypoints)')
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
            [CompletionResult]::new('--endpoint', '--endpoint', [CompletionResultType]::ParameterName, 'Base URL of the endpoint, e.g. `http://127.0.0.1:8000`')
            [CompletionResult]::new('--protocol', '--protocol', [CompletionResultType]::ParameterName, 'The endpoint''s protocol')
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
            [CompletionResult]::new('tensorflow-model-server', 'tensorflow-model-server', [CompletionResultType]::ParameterValue, 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
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
        'seldon-local;component;help' {
            [CompletionResult]::new('tensorflow-model-server', 'tensorflow-model-server', [CompletionResultType]::ParameterValue, 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'seldon-local;component;help;tensorflow-model-server' {
            break
        }
        'seldon-local;component;help;help' {
            break
        }
        'seldon-local;help' {
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check SeldonDeployments the way the Seldon operator''s webhook does.')
            [CompletionResult]::new('render', 'render', [CompletionResultType]::ParameterValue, 'Print the Kubernetes objects the Seldon operator would create.')
            [CompletionResult]::new('predict', 'predict', [CompletionResultType]::ParameterValue, 'Send a prediction, or a load of them, to a running deployment.')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script, or the man page.')
            [CompletionResult]::new('component', 'component', [CompletionResultType]::ParameterValue, 'Run one of the components a SeldonDeployment''s pods run (internal entrypoints)')
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
        'seldon-local;help;completions' {
            break
        }
        'seldon-local;help;component' {
            [CompletionResult]::new('tensorflow-model-server', 'tensorflow-model-server', [CompletionResultType]::ParameterValue, 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)')
            break
        }
        'seldon-local;help;component;tensorflow-model-server' {
            break
        }
        'seldon-local;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
