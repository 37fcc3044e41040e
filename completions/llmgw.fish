# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_llmgw_global_optspecs
    string join \n config= db= json q/quiet v/verbose color= h/help V/version
end

function __fish_llmgw_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_llmgw_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_llmgw_using_subcommand
    set -l cmd (__fish_llmgw_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c llmgw -n "__fish_llmgw_needs_command" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_needs_command" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_needs_command" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_needs_command" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_needs_command" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_needs_command" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_needs_command" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_needs_command" -s V -l version -d 'Print version'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "chat" -d 'Send a prompt and print the whole reply'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "stream" -d 'Send a prompt and print the reply as it arrives'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "models" -d 'List the model catalogue and check availability'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "conv" -d 'Create, list, show and delete stored conversations'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "embed" -d 'One vector per input text, from an embedding model'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "image" -d 'Draw with a text-to-image model and write PNG files'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "metrics" -d 'Usage, latency, success rate and cost of recorded requests'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "limits" -d 'The usage limits that apply to a user: used, left, and when each resets'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "report" -d 'A self-contained HTML usage report with charts: totals, per day and model, latency, errors, users, limits'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "cache" -d 'Show or clear the response cache'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c llmgw -n "__fish_llmgw_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -s m -l model -d 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config\'s defaultModel]' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -s p -l provider -d 'Only consider models of this provider' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -s s -l system -d 'System prompt (with --conv: replaces the conversation\'s own for this request only)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l conv -d 'Continue this stored conversation (id, or name among the user\'s conversations)' -r -f -a "(__llmgw_candidates conversations)"
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l user -d 'Who is asking, for the request record and conversation names [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l max-tokens -d 'Most tokens to generate [default: the catalogue\'s, capped by config/system maxTokens]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l temperature -d 'Sampling temperature, 0 to 2 (models clamp to their own range)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l top-p -d 'Nucleus sampling, 0 to 1' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l stop -d 'Stop when the model writes this text (repeatable)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l fallback -d 'When the model fails in a way another could fix (rate limited, provider or network failure, timeout, not ready) before any text is out, try this one (repeatable, in order; then the catalogue\'s fallbacks)' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l attach -d 'Send this image (png, jpeg, gif, webp) or document (pdf) with the prompt (repeatable; models whose catalogue inputTypes take it; the type is read from the file\'s bytes)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l cache-ttl -d 'Only a reply stored at most this long ago may answer (30s, 10m, 12h, 7d); implies --cache [default: the config\'s ttl, 7d]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l timeout -d 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l no-log -d 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)'
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l cache -d 'Answer from the response cache when it holds this request\'s reply, and keep the reply there [default: on when config/system/cache.json says enabled]'
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l no-cache -d 'Neither read nor write the response cache for this request'
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand chat" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -s m -l model -d 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config\'s defaultModel]' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -s p -l provider -d 'Only consider models of this provider' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -s s -l system -d 'System prompt (with --conv: replaces the conversation\'s own for this request only)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l conv -d 'Continue this stored conversation (id, or name among the user\'s conversations)' -r -f -a "(__llmgw_candidates conversations)"
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l user -d 'Who is asking, for the request record and conversation names [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l max-tokens -d 'Most tokens to generate [default: the catalogue\'s, capped by config/system maxTokens]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l temperature -d 'Sampling temperature, 0 to 2 (models clamp to their own range)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l top-p -d 'Nucleus sampling, 0 to 1' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l stop -d 'Stop when the model writes this text (repeatable)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l fallback -d 'When the model fails in a way another could fix (rate limited, provider or network failure, timeout, not ready) before any text is out, try this one (repeatable, in order; then the catalogue\'s fallbacks)' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l attach -d 'Send this image (png, jpeg, gif, webp) or document (pdf) with the prompt (repeatable; models whose catalogue inputTypes take it; the type is read from the file\'s bytes)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l cache-ttl -d 'Only a reply stored at most this long ago may answer (30s, 10m, 12h, 7d); implies --cache [default: the config\'s ttl, 7d]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l timeout -d 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l no-log -d 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)'
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l cache -d 'Answer from the response cache when it holds this request\'s reply, and keep the reply there [default: on when config/system/cache.json says enabled]'
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l no-cache -d 'Neither read nor write the response cache for this request'
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand stream" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -f -a "list" -d 'List the models of the active catalogue'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -f -a "status" -d 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and not __fish_seen_subcommand_from list status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l provider -d 'Only this provider\'s models' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l vendor -d 'Only this vendor\'s models (anthropic, meta, ...)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l modality -d 'Only this modality (text-to-text, ...)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l status -d 'Only READY or only NOT READY models' -r -f -a "ready\t''
not-ready\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l health -d 'Add each model\'s health from the recorded requests: ok, DEGRADED (failing again and again with provider or rate-limit errors), or - (nothing recorded)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -l check -d 'Ask the provider whether MODEL can be used now, without generating text: credentials, access and region (exit 0 available, 3 not available, 5 credentials, 7 provider out of reach)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the models of the active catalogue'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)'
complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -f -a "create" -d 'Start a conversation and print its id'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -f -a "list" -d 'List conversations, most recently updated first'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -f -a "show" -d 'Print a conversation\'s turns'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -f -a "delete" -d 'Delete a conversation and its messages, or prune old ones'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and not __fish_seen_subcommand_from create list show delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -l user -d 'Whose conversations [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -l title -d 'A title shown by `conv list`' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -l name -d 'A name to address it by (`--conv NAME`), unique per user' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -s s -l system -d 'The system prompt sent with every turn' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -l user -d 'Whose conversations [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -l limit -d 'At most this many' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -l search -d 'Only conversations with a message containing all these words (full-text search)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -l user -d 'Whose conversations [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -l user -d 'Whose conversations [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -l older-than -d 'Delete the user\'s conversations not updated for this long (30d, 12h, 2w)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from help" -f -a "create" -d 'Start a conversation and print its id'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from help" -f -a "list" -d 'List conversations, most recently updated first'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print a conversation\'s turns'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a conversation and its messages, or prune old ones'
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -s m -l model -d 'An embedding model: id, alias or provider/modelId (`llmgw models list --modality text-to-embedding`)' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -s p -l provider -d 'Only consider models of this provider' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l dimensions -d 'Ask for vectors of this size (models that can shorten them: text-embedding-3-*)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l input-type -d 'What the texts are for: the documents of a search, or its queries (Cohere Embed)' -r -f -a "document\t''
query\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l concurrency -d 'Calls in flight at most, for models that take one text per call (Titan)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l user -d 'Who is asking, for the request records [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l cache -d 'Take each text\'s vector from the response cache when it holds it, and keep new ones there (re-embedding a corpus pays only for the lines that changed) [default: on when config/system/cache.json says enabled]'
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l no-cache -d 'Neither read nor write the response cache'
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l no-log -d 'Do not record the requests for `metrics`'
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand embed" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -s m -l model -d 'A text-to-image model: id, alias or provider/modelId (`llmgw models list --modality text-to-image`)' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -s p -l provider -d 'Only consider models of this provider' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -s o -l output -d 'Write the image here (`-` for stdout, one image); with --count N: PATH-1.png .. PATH-N.png' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l count -d 'How many images' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l size -d 'WIDTHxHEIGHT, one the model makes [default: the model\'s first size]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l seed -d 'A seed, for images that can be made again' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l negative -d 'What the image must not show (models that take it)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l user -d 'Who is asking, for the request record [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l force -d 'Overwrite files that exist'
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l no-log -d 'Do not record the request for `metrics`'
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand image" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -l since -d 'Only requests since this long ago (24h, 7d, 90m) or this time (RFC 3339, or a date) [default: all]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -l user -d 'Only this user\'s requests [default: every user\'s]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -s m -l model -d 'Only this model (id, alias or provider/modelId)' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -s p -l provider -d 'Only this provider\'s requests' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -l by -d 'Break the figures down by model (the default), user, or UTC day or hour' -r -f -a "model\t''
user\t''
day\t''
hour\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand metrics" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -l user -d 'Whose limits [default: $LLMGW_USER, else the login name]' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand limits" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -s o -l output -d 'Write the page here (replaced whole, never half-written) [default: stdout, when it is not a terminal]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -l since -d 'Only requests since this long ago (24h, 7d) or this time (RFC 3339, or a date)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand report" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -f -a "stats" -d 'Entries, size, hits and the cost the hits saved'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -f -a "clear" -d 'Remove entries: all of them, or those older than a span, or one model\'s'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and not __fish_seen_subcommand_from stats clear help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from stats" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from stats" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from stats" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from stats" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from stats" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -l older-than -d 'Only entries stored more than this long ago (30m, 12h, 7d)' -r
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -s m -l model -d 'Only this model\'s entries (id, alias or provider/modelId)' -r -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from clear" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Entries, size, hits and the cost the hits saved'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "clear" -d 'Remove entries: all of them, or those older than a span, or one model\'s'
complete -c llmgw -n "__fish_llmgw_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand completions" -l config -d 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand completions" -l db -d 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]' -r -F
complete -c llmgw -n "__fish_llmgw_using_subcommand completions" -l color -d 'When to use color on stderr' -r -f -a "auto\t''
always\t''
never\t''"
complete -c llmgw -n "__fish_llmgw_using_subcommand completions" -l json -d 'Print one JSON document (NDJSON events for `stream`) instead of text'
complete -c llmgw -n "__fish_llmgw_using_subcommand completions" -s q -l quiet -d 'Print nothing but the answer (and errors)'
complete -c llmgw -n "__fish_llmgw_using_subcommand completions" -s v -l verbose -d 'Tell on stderr which config root, database, provider, region and endpoint were used'
complete -c llmgw -n "__fish_llmgw_using_subcommand completions" -s h -l help -d 'Print help'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "chat" -d 'Send a prompt and print the whole reply'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "stream" -d 'Send a prompt and print the reply as it arrives'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "models" -d 'List the model catalogue and check availability'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "conv" -d 'Create, list, show and delete stored conversations'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "embed" -d 'One vector per input text, from an embedding model'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "image" -d 'Draw with a text-to-image model and write PNG files'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "metrics" -d 'Usage, latency, success rate and cost of recorded requests'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "limits" -d 'The usage limits that apply to a user: used, left, and when each resets'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "report" -d 'A self-contained HTML usage report with charts: totals, per day and model, latency, errors, users, limits'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "cache" -d 'Show or clear the response cache'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and not __fish_seen_subcommand_from chat stream models conv embed image metrics limits report cache completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from models" -f -a "list" -d 'List the models of the active catalogue'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from models" -f -a "status" -d 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from conv" -f -a "create" -d 'Start a conversation and print its id'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from conv" -f -a "list" -d 'List conversations, most recently updated first'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from conv" -f -a "show" -d 'Print a conversation\'s turns'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from conv" -f -a "delete" -d 'Delete a conversation and its messages, or prune old ones'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "stats" -d 'Entries, size, hits and the cost the hits saved'
complete -c llmgw -n "__fish_llmgw_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "clear" -d 'Remove entries: all of them, or those older than a span, or one model\'s'

# Added by llmgw to the script clap_complete generates: model ids, aliases and conversations come from
# `llmgw __complete`, with the --config, --db and --user of the line being completed.
function __llmgw_candidates
    set -l tokens (commandline -opc)
    set -l pass
    set -l count (count $tokens)
    for i in (seq 2 $count)
        switch $tokens[$i]
            case --config --db --user
                if test $i -lt $count
                    set pass $pass $tokens[$i] $tokens[(math $i + 1)]
                end
            case '--config=*' '--db=*' '--user=*'
                set pass $pass $tokens[$i]
        end
    end
    llmgw __complete $argv[1] $pass 2>/dev/null
end

complete -c llmgw -n "__fish_llmgw_using_subcommand models; and __fish_seen_subcommand_from status" -f -a "(__llmgw_candidates models)"
complete -c llmgw -n "__fish_llmgw_using_subcommand conv; and __fish_seen_subcommand_from show delete" -f -a "(__llmgw_candidates conversations)"
