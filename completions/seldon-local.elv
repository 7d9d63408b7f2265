
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
            cand completions 'Print a shell completion script, or the man page.'
            cand component 'Run one of the components a SeldonDeployment''s pods run (internal entrypoints)'
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
            cand --endpoint 'Base URL of the endpoint, e.g. `http://127.0.0.1:8000`'
            cand --protocol 'The endpoint''s protocol'
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
            cand tensorflow-model-server 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
            cand help 'Print this message or the help of the given subcommand(s)'
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
        &'seldon-local;component;help'= {
            cand tensorflow-model-server 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;component;help;tensorflow-model-server'= {
        }
        &'seldon-local;component;help;help'= {
        }
        &'seldon-local;help'= {
            cand validate 'Check SeldonDeployments the way the Seldon operator''s webhook does.'
            cand render 'Print the Kubernetes objects the Seldon operator would create.'
            cand predict 'Send a prediction, or a load of them, to a running deployment.'
            cand completions 'Print a shell completion script, or the man page.'
            cand component 'Run one of the components a SeldonDeployment''s pods run (internal entrypoints)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'seldon-local;help;validate'= {
        }
        &'seldon-local;help;render'= {
        }
        &'seldon-local;help;predict'= {
        }
        &'seldon-local;help;completions'= {
        }
        &'seldon-local;help;component'= {
            cand tensorflow-model-server 'A TensorFlow-Serving-compatible model server (no TensorFlow needed)'
        }
        &'seldon-local;help;component;tensorflow-model-server'= {
        }
        &'seldon-local;help;help'= {
        }
    ]
    $completions[$command]
}
