
use builtin;
use str;

set edit:completion:arg-completer[llmgw] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'llmgw'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'llmgw'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand chat 'Send a prompt and print the whole reply'
            cand stream 'Send a prompt and print the reply as it arrives'
            cand models 'List the model catalogue and check availability'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;chat'= {
            cand -m 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand --model 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand -p 'Only consider models of this provider'
            cand --provider 'Only consider models of this provider'
            cand -s 'System prompt'
            cand --system 'System prompt'
            cand --max-tokens 'Most tokens to generate [default: the catalogue''s, capped by config/system maxTokens]'
            cand --temperature 'Sampling temperature, 0 to 2 (models clamp to their own range)'
            cand --top-p 'Nucleus sampling, 0 to 1'
            cand --stop 'Stop when the model writes this text (repeatable)'
            cand --timeout 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;stream'= {
            cand -m 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand --model 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand -p 'Only consider models of this provider'
            cand --provider 'Only consider models of this provider'
            cand -s 'System prompt'
            cand --system 'System prompt'
            cand --max-tokens 'Most tokens to generate [default: the catalogue''s, capped by config/system maxTokens]'
            cand --temperature 'Sampling temperature, 0 to 2 (models clamp to their own range)'
            cand --top-p 'Nucleus sampling, 0 to 1'
            cand --stop 'Stop when the model writes this text (repeatable)'
            cand --timeout 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;models'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
            cand list 'List the models of the active catalogue'
            cand status 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;models;list'= {
            cand --provider 'Only this provider''s models'
            cand --vendor 'Only this vendor''s models (anthropic, meta, ...)'
            cand --modality 'Only this modality (text-to-text, ...)'
            cand --status 'Only READY or only NOT READY models'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;models;status'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;models;help'= {
            cand list 'List the models of the active catalogue'
            cand status 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;models;help;list'= {
        }
        &'llmgw;models;help;status'= {
        }
        &'llmgw;models;help;help'= {
        }
        &'llmgw;completions'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;help'= {
            cand chat 'Send a prompt and print the whole reply'
            cand stream 'Send a prompt and print the reply as it arrives'
            cand models 'List the model catalogue and check availability'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;help;chat'= {
        }
        &'llmgw;help;stream'= {
        }
        &'llmgw;help;models'= {
            cand list 'List the models of the active catalogue'
            cand status 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)'
        }
        &'llmgw;help;models;list'= {
        }
        &'llmgw;help;models;status'= {
        }
        &'llmgw;help;completions'= {
        }
        &'llmgw;help;help'= {
        }
    ]
    $completions[$command]
}
