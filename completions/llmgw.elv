
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
            cand embed 'One vector per input text, from an embedding model'
            cand image 'Draw with a text-to-image model and write PNG files'
            cand metrics 'Usage, latency, success rate and cost of recorded requests'
            cand limits 'The usage limits that apply to a user: used, left, and when each resets'
            cand report 'A self-contained HTML usage report with charts: totals, per day and model, latency, errors, users, limits'
            cand cache 'Show or clear the response cache'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;chat'= {
            cand -m 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]'
            cand --model 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]'
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
            cand --fallback 'When the model fails in a way another could fix (rate limited, provider or network failure, timeout, not ready) before any text is out, try this one (repeatable, in order; then the catalogue''s fallbacks)'
            cand --attach 'Send this image (png, jpeg, gif, webp) or document (pdf) with the prompt (repeatable; models whose catalogue inputTypes take it; the type is read from the file''s bytes)'
            cand --cache-ttl 'Only a reply stored at most this long ago may answer (30s, 10m, 12h, 7d); implies --cache [default: the config''s ttl, 7d]'
            cand --timeout 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --no-log 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)'
            cand --cache 'Answer from the response cache when it holds this request''s reply, and keep the reply there [default: on when config/system/cache.json says enabled]'
            cand --no-cache 'Neither read nor write the response cache for this request'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;stream'= {
            cand -m 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]'
            cand --model 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]'
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
            cand --fallback 'When the model fails in a way another could fix (rate limited, provider or network failure, timeout, not ready) before any text is out, try this one (repeatable, in order; then the catalogue''s fallbacks)'
            cand --attach 'Send this image (png, jpeg, gif, webp) or document (pdf) with the prompt (repeatable; models whose catalogue inputTypes take it; the type is read from the file''s bytes)'
            cand --cache-ttl 'Only a reply stored at most this long ago may answer (30s, 10m, 12h, 7d); implies --cache [default: the config''s ttl, 7d]'
            cand --timeout 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --no-log 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)'
            cand --cache 'Answer from the response cache when it holds this request''s reply, and keep the reply there [default: on when config/system/cache.json says enabled]'
            cand --no-cache 'Neither read nor write the response cache for this request'
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
            cand --health 'Add each model''s health from the recorded requests: ok, DEGRADED (failing again and again with provider or rate-limit errors), or - (nothing recorded)'
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
            cand --check 'Ask the provider whether MODEL can be used now, without generating text: credentials, access and region (exit 0 available, 3 not available, 5 credentials, 7 provider out of reach)'
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
        &'llmgw;embed'= {
            cand -m 'An embedding model: id, alias or provider/modelId (`llmgw models list --modality text-to-embedding`)'
            cand --model 'An embedding model: id, alias or provider/modelId (`llmgw models list --modality text-to-embedding`)'
            cand -p 'Only consider models of this provider'
            cand --provider 'Only consider models of this provider'
            cand --dimensions 'Ask for vectors of this size (models that can shorten them: text-embedding-3-*)'
            cand --input-type 'What the texts are for: the documents of a search, or its queries (Cohere Embed)'
            cand --concurrency 'Calls in flight at most, for models that take one text per call (Titan)'
            cand --user 'Who is asking, for the request records [default: $LLMGW_USER, else the login name]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --cache 'Take each text''s vector from the response cache when it holds it, and keep new ones there (re-embedding a corpus pays only for the lines that changed) [default: on when config/system/cache.json says enabled]'
            cand --no-cache 'Neither read nor write the response cache'
            cand --no-log 'Do not record the requests for `metrics`'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;image'= {
            cand -m 'A text-to-image model: id, alias or provider/modelId (`llmgw models list --modality text-to-image`)'
            cand --model 'A text-to-image model: id, alias or provider/modelId (`llmgw models list --modality text-to-image`)'
            cand -p 'Only consider models of this provider'
            cand --provider 'Only consider models of this provider'
            cand -o 'Write the image here (`-` for stdout, one image); with --count N: PATH-1.png .. PATH-N.png'
            cand --output 'Write the image here (`-` for stdout, one image); with --count N: PATH-1.png .. PATH-N.png'
            cand --count 'How many images'
            cand --size 'WIDTHxHEIGHT, one the model makes [default: the model''s first size]'
            cand --seed 'A seed, for images that can be made again'
            cand --negative 'What the image must not show (models that take it)'
            cand --user 'Who is asking, for the request record [default: $LLMGW_USER, else the login name]'
            cand --config 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)'
            cand --db 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]'
            cand --color 'When to use color on stderr'
            cand --force 'Overwrite files that exist'
            cand --no-log 'Do not record the request for `metrics`'
            cand --json 'Print one JSON document (NDJSON events for `stream`) instead of text'
            cand -q 'Print nothing but the answer (and errors)'
            cand --quiet 'Print nothing but the answer (and errors)'
            cand -v 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand --verbose 'Tell on stderr which config root, database, provider, region and endpoint were used'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'llmgw;metrics'= {
            cand --since 'Only requests since this long ago (24h, 7d, 90m) or this time (RFC 3339, or a date) [default: all]'
            cand --user 'Only this user''s requests [default: every user''s]'
            cand -m 'Only this model (id, alias or provider/modelId)'
            cand --model 'Only this model (id, alias or provider/modelId)'
            cand -p 'Only this provider''s requests'
            cand --provider 'Only this provider''s requests'
            cand --by 'Break the figures down by model (the default), user, or UTC day or hour'
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
        &'llmgw;limits'= {
            cand --user 'Whose limits [default: $LLMGW_USER, else the login name]'
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
        &'llmgw;report'= {
            cand -o 'Write the page here (replaced whole, never half-written) [default: stdout, when it is not a terminal]'
            cand --output 'Write the page here (replaced whole, never half-written) [default: stdout, when it is not a terminal]'
            cand --since 'Only requests since this long ago (24h, 7d) or this time (RFC 3339, or a date)'
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
        &'llmgw;cache'= {
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
            cand stats 'Entries, size, hits and the cost the hits saved'
            cand clear 'Remove entries: all of them, or those older than a span, or one model''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;cache;stats'= {
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
        &'llmgw;cache;clear'= {
            cand --older-than 'Only entries stored more than this long ago (30m, 12h, 7d)'
            cand -m 'Only this model''s entries (id, alias or provider/modelId)'
            cand --model 'Only this model''s entries (id, alias or provider/modelId)'
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
        &'llmgw;cache;help'= {
            cand stats 'Entries, size, hits and the cost the hits saved'
            cand clear 'Remove entries: all of them, or those older than a span, or one model''s'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'llmgw;cache;help;stats'= {
        }
        &'llmgw;cache;help;clear'= {
        }
        &'llmgw;cache;help;help'= {
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
            cand embed 'One vector per input text, from an embedding model'
            cand image 'Draw with a text-to-image model and write PNG files'
            cand metrics 'Usage, latency, success rate and cost of recorded requests'
            cand limits 'The usage limits that apply to a user: used, left, and when each resets'
            cand report 'A self-contained HTML usage report with charts: totals, per day and model, latency, errors, users, limits'
            cand cache 'Show or clear the response cache'
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
        &'llmgw;help;embed'= {
        }
        &'llmgw;help;image'= {
        }
        &'llmgw;help;metrics'= {
        }
        &'llmgw;help;limits'= {
        }
        &'llmgw;help;report'= {
        }
        &'llmgw;help;cache'= {
            cand stats 'Entries, size, hits and the cost the hits saved'
            cand clear 'Remove entries: all of them, or those older than a span, or one model''s'
        }
        &'llmgw;help;cache;stats'= {
        }
        &'llmgw;help;cache;clear'= {
        }
        &'llmgw;help;completions'= {
        }
        &'llmgw;help;help'= {
        }
    ]
    $completions[$command]
}

# Added by llmgw to the script clap_complete generates: model ids and aliases after -m/--model/--fallback and for
# `models status`, conversation ids and names after --conv and for `conv show|delete`, asked from
# `llmgw __complete` with the --config, --db and --user of the line being completed. Every other position is
# completed by the generated completer above, which this one wraps.
var llmgw-generated-completer = $edit:completion:arg-completer[llmgw]
set edit:completion:arg-completer[llmgw] = {|@words|
    var value-options = ['--attach' '--by' '--cache-ttl' '--color' '--concurrency' '--config' '--conv' '--count' '--db' '--dimensions' '--fallback' '--input-type' '--limit' '--max-tokens' '--modality' '--model' '--name' '--negative' '--older-than' '--output' '--provider' '--search' '--seed' '--since' '--size' '--status' '--stop' '--system' '--temperature' '--timeout' '--title' '--top-p' '--user' '--vendor' '-m' '-o' '-p' '-s']
    var current = $words[-1]
    var typed = $current
    var prefix = ''
    var kind = ''
    var value-of = ''
    var positional = []
    var pass = []
    fn expand {|path|
        if (str:has-prefix $path '~/') {
            put $E:HOME(str:trim-prefix $path '~')
        } else {
            put $path
        }
    }
    for word $words[1..-1] {
        if (not-eq $value-of '') {
            if (has-value [--config --db --user] $value-of) {
                set pass = [$@pass $value-of (expand $word)]
            }
            set value-of = ''
        } elif (or (str:has-prefix $word --config=) (str:has-prefix $word --db=) (str:has-prefix $word --user=)) {
            var name value = (str:split &max=2 '=' $word)
            set pass = [$@pass $name (expand $value)]
        } elif (has-value $value-options $word) {
            set value-of = $word
        } elif (not (str:has-prefix $word '-')) {
            set positional = [$@positional $word]
        }
    }
    if (has-value [-m --model --fallback] $value-of) {
        set kind = models
    } elif (eq $value-of --conv) {
        set kind = conversations
    } elif (not-eq $value-of '') {
    } elif (str:has-prefix $current --model=) {
        set kind = models
        set prefix = --model=
    } elif (str:has-prefix $current --fallback=) {
        set kind = models
        set prefix = --fallback=
    } elif (str:has-prefix $current --conv=) {
        set kind = conversations
        set prefix = --conv=
    } elif (str:has-prefix $current '-') {
    } elif (has-value ['conv show' 'conv delete'] (str:join ' ' $positional)) {
        set kind = conversations
    } elif (eq 'models status' (str:join ' ' $positional)) {
        set kind = models
    }
    if (eq $kind '') {
        $llmgw-generated-completer $@words
    } else {
        try {
            llmgw __complete $kind $@pass 2>/dev/null | from-lines | each {|line|
                var value @rest = (str:split &max=2 "\t" $line)
                var display = $prefix$value
                if (> (count $rest) 0) {
                    set display = $display'  '$rest[0]
                }
                if (not-eq $value '') {
                    edit:complex-candidate $prefix$value &display=$display
                }
            }
        } catch {
        }
    }
}
