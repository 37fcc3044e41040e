
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
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand chat 'Send a prompt and print the whole reply'
            cand stream 'Send a prompt and print the reply as it arrives'
            cand models 'List the model catalogue and check availability'
            cand conv 'Create, list, show and delete stored conversations'
            cand metrics 'Usage, latency, success rate and cost of recorded requests'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;chat'= {
            cand -m 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand --model 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand -p 'Only consider models of this provider'
            cand --provider 'Only consider models of this provider'
            cand -s 'System prompt (with --conv: replaces the conversation''s own for this request only)'
            cand --system 'System prompt (with --conv: replaces the conversation''s own for this request only)'
            cand --conv 'Continue this stored conversation (id, or name among the user''s conversations)'
            cand --user 'Who is asking, for the request record and conversation names [default: $LLMGW_USER, else the login name]'
            cand --max-tokens 'Most tokens to generate [default: the catalogue''s, capped by config/system maxTokens]'
            cand --temperature 'Sampling temperature, 0 to 2 (models clamp to their own range)'
            cand --top-p 'Nucleus sampling, 0 to 1'
            cand --stop 'Stop when the model writes this text (repeatable)'
            cand --timeout 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --no-log 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;stream'= {
            cand -m 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand --model 'Model id, alias or provider/modelId [default: the config''s default model]'
            cand -p 'Only consider models of this provider'
            cand --provider 'Only consider models of this provider'
            cand -s 'System prompt (with --conv: replaces the conversation''s own for this request only)'
            cand --system 'System prompt (with --conv: replaces the conversation''s own for this request only)'
            cand --conv 'Continue this stored conversation (id, or name among the user''s conversations)'
            cand --user 'Who is asking, for the request record and conversation names [default: $LLMGW_USER, else the login name]'
            cand --max-tokens 'Most tokens to generate [default: the catalogue''s, capped by config/system maxTokens]'
            cand --temperature 'Sampling temperature, 0 to 2 (models clamp to their own range)'
            cand --top-p 'Nucleus sampling, 0 to 1'
            cand --stop 'Stop when the model writes this text (repeatable)'
            cand --timeout 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --no-log 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;models'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
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
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;models;status'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
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
        &'llmgw;conv'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
            cand create 'Start a conversation and print its id'
            cand list 'List conversations, most recently updated first'
            cand show 'Print a conversation''s turns'
            cand delete 'Delete a conversation and its messages, or prune old ones'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;conv;create'= {
            cand --user 'Whose conversations [default: $LLMGW_USER, else the login name]'
            cand --title 'A title shown by `conv list`'
            cand --name 'A name to address it by (`--conv NAME`), unique per user'
            cand -s 'The system prompt sent with every turn'
            cand --system 'The system prompt sent with every turn'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;conv;list'= {
            cand --user 'Whose conversations [default: $LLMGW_USER, else the login name]'
            cand --limit 'At most this many'
            cand --search 'Only conversations with a message containing all these words (full-text search)'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;conv;show'= {
            cand --user 'Whose conversations [default: $LLMGW_USER, else the login name]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;conv;delete'= {
            cand --user 'Whose conversations [default: $LLMGW_USER, else the login name]'
            cand --older-than 'Delete the user''s conversations not updated for this long (30d, 12h, 2w)'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;conv;help'= {
            cand create 'Start a conversation and print its id'
            cand list 'List conversations, most recently updated first'
            cand show 'Print a conversation''s turns'
            cand delete 'Delete a conversation and its messages, or prune old ones'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;conv;help;create'= {
        }
        &'llmgw;conv;help;list'= {
        }
        &'llmgw;conv;help;show'= {
        }
        &'llmgw;conv;help;delete'= {
        }
        &'llmgw;conv;help;help'= {
        }
        &'llmgw;metrics'= {
            cand --since 'Only requests since this long ago (24h, 7d, 90m) or this time (RFC 3339, or a date) [default: all]'
            cand --user 'Only this user''s requests [default: every user''s]'
            cand -m 'Only this model (id, alias or provider/modelId)'
            cand --model 'Only this model (id, alias or provider/modelId)'
            cand -p 'Only this provider''s requests'
            cand --provider 'Only this provider''s requests'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;completions'= {
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;help'= {
            cand chat 'Send a prompt and print the whole reply'
            cand stream 'Send a prompt and print the reply as it arrives'
            cand models 'List the model catalogue and check availability'
            cand conv 'Create, list, show and delete stored conversations'
            cand metrics 'Usage, latency, success rate and cost of recorded requests'
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
        &'llmgw;help;conv'= {
            cand create 'Start a conversation and print its id'
            cand list 'List conversations, most recently updated first'
            cand show 'Print a conversation''s turns'
            cand delete 'Delete a conversation and its messages, or prune old ones'
        }
        &'llmgw;help;conv;create'= {
        }
        &'llmgw;help;conv;list'= {
        }
        &'llmgw;help;conv;show'= {
        }
        &'llmgw;help;conv;delete'= {
        }
        &'llmgw;help;metrics'= {
        }
        &'llmgw;help;completions'= {
        }
        &'llmgw;help;help'= {
        }
    ]
    $completions[$command]
}
