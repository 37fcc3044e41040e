
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'llmgw' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    # Added by llmgw to the script clap_complete generates: model ids and aliases after -m/--model/--fallback and for
    # `models status`, conversation ids and names after --conv and for `conv show|delete`, asked from
    # `llmgw __complete` with the --config, --db and --user of the line being completed. Every other position is
    # completed by the generated code below.
    $llmgwValueOptions = @('--attach', '--by', '--cache-ttl', '--color', '--concurrency', '--config', '--conv', '--count', '--db', '--dimensions', '--fallback', '--input-type', '--limit', '--max-tokens', '--modality', '--model', '--name', '--negative', '--older-than', '--output', '--provider', '--search', '--seed', '--since', '--size', '--status', '--stop', '--system', '--temperature', '--timeout', '--title', '--top-p', '--user', '--vendor', '-m', '-o', '-p', '-s')
    $llmgwBefore = @(
        foreach ($element in $commandAst.CommandElements) {
            if ($element.Extent.EndOffset -lt $cursorPosition) {
                if ($element -is [StringConstantExpressionAst]) { $element.Value } else { $element.Extent.Text }
            }
        }
    )
    $llmgwTyped = "$wordToComplete"
    $llmgwPrefix = ''
    $llmgwKind = ''
    $llmgwValueOf = ''
    $llmgwPositional = @()
    $llmgwPass = @()
    for ($i = 1; $i -lt $llmgwBefore.Count; $i++) {
        $word = $llmgwBefore[$i]
        if ($llmgwValueOf) {
            if ($llmgwValueOf -in '--config', '--db', '--user') {
                $llmgwPass += $llmgwValueOf, ($word -replace '^~(?=[/\\]|$)', $HOME)
            }
            $llmgwValueOf = ''
        } elseif ($word -match '^(--config|--db|--user)=(.*)$') {
            $llmgwPass += $Matches[1], ($Matches[2] -replace '^~(?=[/\\]|$)', $HOME)
        } elseif ($word -cin $llmgwValueOptions) {
            $llmgwValueOf = $word
        } elseif (-not $word.StartsWith('-')) {
            $llmgwPositional += $word
        }
    }
    if ($llmgwValueOf -cin '-m', '--model', '--fallback') {
        $llmgwKind = 'models'
    } elseif ($llmgwValueOf -ceq '--conv') {
        $llmgwKind = 'conversations'
    } elseif ($llmgwValueOf) {
    } elseif ($llmgwTyped -match '^(--model|--fallback|--conv)=(.*)$') {
        $llmgwKind = if ($Matches[1] -eq '--conv') { 'conversations' } else { 'models' }
        $llmgwPrefix = $Matches[1] + '='
        $llmgwTyped = $Matches[2]
    } elseif ($llmgwTyped.StartsWith('-')) {
    } elseif (($llmgwPositional -join ' ') -cin 'conv show', 'conv delete') {
        $llmgwKind = 'conversations'
    } elseif (($llmgwPositional -join ' ') -ceq 'models status') {
        $llmgwKind = 'models'
    }
    if ($llmgwKind) {
        $llmgwLines = try { @(llmgw __complete $llmgwKind @llmgwPass 2>$null) } catch { @() }
        foreach ($line in $llmgwLines) {
            $value, $description = "$line" -split "`t", 2
            if ($value -and $value.StartsWith($llmgwTyped, [System.StringComparison]::OrdinalIgnoreCase)) {
                $text = $llmgwPrefix + $value
                if ($text -match '[\s''"`$;,(){}@|&<>#]') {
                    $text = "'" + ($text -replace "'", "''") + "'"
                }
                $tip = if ($description) { $description } else { $value }
                [CompletionResult]::new($text, $value, [CompletionResultType]::ParameterValue, $tip)
            }
        }
        return
    }

    $commandElements = $commandAst.CommandElements
    $command = @(
        'llmgw'
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
        'llmgw' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Send a prompt and print the whole reply')
            [CompletionResult]::new('stream', 'stream', [CompletionResultType]::ParameterValue, 'Send a prompt and print the reply as it arrives')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the model catalogue and check availability')
            [CompletionResult]::new('conv', 'conv', [CompletionResultType]::ParameterValue, 'Create, list, show and delete stored conversations')
            [CompletionResult]::new('embed', 'embed', [CompletionResultType]::ParameterValue, 'One vector per input text, from an embedding model')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Draw with a text-to-image model and write PNG files')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Usage, latency, success rate and cost of recorded requests')
            [CompletionResult]::new('limits', 'limits', [CompletionResultType]::ParameterValue, 'The usage limits that apply to a user: used, left, and when each resets')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'A self-contained HTML usage report with charts: totals, per day and model, latency, errors, users, limits')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Show or clear the response cache')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;chat' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System prompt (with --conv: replaces the conversation''s own for this request only)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt (with --conv: replaces the conversation''s own for this request only)')
            [CompletionResult]::new('--conv', '--conv', [CompletionResultType]::ParameterName, 'Continue this stored conversation (id, or name among the user''s conversations)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who is asking, for the request record and conversation names [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens to generate [default: the catalogue''s, capped by config/system maxTokens]')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature, 0 to 2 (models clamp to their own range)')
            [CompletionResult]::new('--top-p', '--top-p', [CompletionResultType]::ParameterName, 'Nucleus sampling, 0 to 1')
            [CompletionResult]::new('--stop', '--stop', [CompletionResultType]::ParameterName, 'Stop when the model writes this text (repeatable)')
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'When the model fails in a way another could fix (rate limited, provider or network failure, timeout, not ready) before any text is out, try this one (repeatable, in order; then the catalogue''s fallbacks)')
            [CompletionResult]::new('--attach', '--attach', [CompletionResultType]::ParameterName, 'Send this image (png, jpeg, gif, webp) or document (pdf) with the prompt (repeatable; models whose catalogue inputTypes take it; the type is read from the file''s bytes)')
            [CompletionResult]::new('--cache-ttl', '--cache-ttl', [CompletionResultType]::ParameterName, 'Only a reply stored at most this long ago may answer (30s, 10m, 12h, 7d); implies --cache [default: the config''s ttl, 7d]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--no-log', '--no-log', [CompletionResultType]::ParameterName, 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Answer from the response cache when it holds this request''s reply, and keep the reply there [default: on when config/system/cache.json says enabled]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the response cache for this request')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;stream' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Model id, alias or provider/modelId [default: $LLMGW_MODEL, else the config''s defaultModel]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'System prompt (with --conv: replaces the conversation''s own for this request only)')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'System prompt (with --conv: replaces the conversation''s own for this request only)')
            [CompletionResult]::new('--conv', '--conv', [CompletionResultType]::ParameterName, 'Continue this stored conversation (id, or name among the user''s conversations)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who is asking, for the request record and conversation names [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--max-tokens', '--max-tokens', [CompletionResultType]::ParameterName, 'Most tokens to generate [default: the catalogue''s, capped by config/system maxTokens]')
            [CompletionResult]::new('--temperature', '--temperature', [CompletionResultType]::ParameterName, 'Sampling temperature, 0 to 2 (models clamp to their own range)')
            [CompletionResult]::new('--top-p', '--top-p', [CompletionResultType]::ParameterName, 'Nucleus sampling, 0 to 1')
            [CompletionResult]::new('--stop', '--stop', [CompletionResultType]::ParameterName, 'Stop when the model writes this text (repeatable)')
            [CompletionResult]::new('--fallback', '--fallback', [CompletionResultType]::ParameterName, 'When the model fails in a way another could fix (rate limited, provider or network failure, timeout, not ready) before any text is out, try this one (repeatable, in order; then the catalogue''s fallbacks)')
            [CompletionResult]::new('--attach', '--attach', [CompletionResultType]::ParameterName, 'Send this image (png, jpeg, gif, webp) or document (pdf) with the prompt (repeatable; models whose catalogue inputTypes take it; the type is read from the file''s bytes)')
            [CompletionResult]::new('--cache-ttl', '--cache-ttl', [CompletionResultType]::ParameterName, 'Only a reply stored at most this long ago may answer (30s, 10m, 12h, 7d); implies --cache [default: the config''s ttl, 7d]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this many seconds (chat: the whole reply; stream: any silence) [default: from config]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--no-log', '--no-log', [CompletionResultType]::ParameterName, 'Do not record this request for `metrics` (set LLMGW_NO_LOG=1 to make it the default)')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Answer from the response cache when it holds this request''s reply, and keep the reply there [default: on when config/system/cache.json says enabled]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the response cache for this request')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;models' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the models of the active catalogue')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;models;list' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only this provider''s models')
            [CompletionResult]::new('--vendor', '--vendor', [CompletionResultType]::ParameterName, 'Only this vendor''s models (anthropic, meta, ...)')
            [CompletionResult]::new('--modality', '--modality', [CompletionResultType]::ParameterName, 'Only this modality (text-to-text, ...)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only READY or only NOT READY models')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--health', '--health', [CompletionResultType]::ParameterName, 'Add each model''s health from the recorded requests: ok, DEGRADED (failing again and again with provider or rate-limit errors), or - (nothing recorded)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;models;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Ask the provider whether MODEL can be used now, without generating text: credentials, access and region (exit 0 available, 3 not available, 5 credentials, 7 provider out of reach)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;models;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the models of the active catalogue')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;models;help;list' {
            break
        }
        'llmgw;models;help;status' {
            break
        }
        'llmgw;models;help;help' {
            break
        }
        'llmgw;conv' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Start a conversation and print its id')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List conversations, most recently updated first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation''s turns')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a conversation and its messages, or prune old ones')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;conv;create' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Whose conversations [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'A title shown by `conv list`')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'A name to address it by (`--conv NAME`), unique per user')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The system prompt sent with every turn')
            [CompletionResult]::new('--system', '--system', [CompletionResultType]::ParameterName, 'The system prompt sent with every turn')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;conv;list' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Whose conversations [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most this many')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Only conversations with a message containing all these words (full-text search)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;conv;show' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Whose conversations [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;conv;delete' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Whose conversations [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete the user''s conversations not updated for this long (30d, 12h, 2w)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;conv;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Start a conversation and print its id')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List conversations, most recently updated first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation''s turns')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a conversation and its messages, or prune old ones')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;conv;help;create' {
            break
        }
        'llmgw;conv;help;list' {
            break
        }
        'llmgw;conv;help;show' {
            break
        }
        'llmgw;conv;help;delete' {
            break
        }
        'llmgw;conv;help;help' {
            break
        }
        'llmgw;embed' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'An embedding model: id, alias or provider/modelId (`llmgw models list --modality text-to-embedding`)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'An embedding model: id, alias or provider/modelId (`llmgw models list --modality text-to-embedding`)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('--dimensions', '--dimensions', [CompletionResultType]::ParameterName, 'Ask for vectors of this size (models that can shorten them: text-embedding-3-*)')
            [CompletionResult]::new('--input-type', '--input-type', [CompletionResultType]::ParameterName, 'What the texts are for: the documents of a search, or its queries (Cohere Embed)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Calls in flight at most, for models that take one text per call (Titan)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who is asking, for the request records [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Take each text''s vector from the response cache when it holds it, and keep new ones there (re-embedding a corpus pays only for the lines that changed) [default: on when config/system/cache.json says enabled]')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the response cache')
            [CompletionResult]::new('--no-log', '--no-log', [CompletionResultType]::ParameterName, 'Do not record the requests for `metrics`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;image' {
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'A text-to-image model: id, alias or provider/modelId (`llmgw models list --modality text-to-image`)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'A text-to-image model: id, alias or provider/modelId (`llmgw models list --modality text-to-image`)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only consider models of this provider')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the image here (`-` for stdout, one image); with --count N: PATH-1.png .. PATH-N.png')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the image here (`-` for stdout, one image); with --count N: PATH-1.png .. PATH-N.png')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many images')
            [CompletionResult]::new('--size', '--size', [CompletionResultType]::ParameterName, 'WIDTHxHEIGHT, one the model makes [default: the model''s first size]')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'A seed, for images that can be made again')
            [CompletionResult]::new('--negative', '--negative', [CompletionResultType]::ParameterName, 'What the image must not show (models that take it)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Who is asking, for the request record [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite files that exist')
            [CompletionResult]::new('--no-log', '--no-log', [CompletionResultType]::ParameterName, 'Do not record the request for `metrics`')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;metrics' {
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests since this long ago (24h, 7d, 90m) or this time (RFC 3339, or a date) [default: all]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only this user''s requests [default: every user''s]')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Only this model (id, alias or provider/modelId)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Only this model (id, alias or provider/modelId)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only this provider''s requests')
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Only this provider''s requests')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'Break the figures down by model (the default), user, or UTC day or hour')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;limits' {
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Whose limits [default: $LLMGW_USER, else the login name]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;report' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the page here (replaced whole, never half-written) [default: stdout, when it is not a terminal]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the page here (replaced whole, never half-written) [default: stdout, when it is not a terminal]')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only requests since this long ago (24h, 7d) or this time (RFC 3339, or a date)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;cache' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entries, size, hits and the cost the hits saved')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove entries: all of them, or those older than a span, or one model''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;cache;stats' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;cache;clear' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Only entries stored more than this long ago (30m, 12h, 7d)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'Only this model''s entries (id, alias or provider/modelId)')
            [CompletionResult]::new('--model', '--model', [CompletionResultType]::ParameterName, 'Only this model''s entries (id, alias or provider/modelId)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;cache;help' {
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entries, size, hits and the cost the hits saved')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove entries: all of them, or those older than a span, or one model''s')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;cache;help;stats' {
            break
        }
        'llmgw;cache;help;clear' {
            break
        }
        'llmgw;cache;help;help' {
            break
        }
        'llmgw;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration root (default: $LLMGW_CONFIG_DIR, ~/.config/llmgw when it holds providers.json, else built-in)')
            [CompletionResult]::new('--db', '--db', [CompletionResultType]::ParameterName, 'SQLite database of conversations and request records [default: ~/.local/share/llmgw/llmgw.db]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use color on stderr')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document (NDJSON events for `stream`) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print nothing but the answer (and errors)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Tell on stderr which config root, database, provider, region and endpoint were used')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'llmgw;help' {
            [CompletionResult]::new('chat', 'chat', [CompletionResultType]::ParameterValue, 'Send a prompt and print the whole reply')
            [CompletionResult]::new('stream', 'stream', [CompletionResultType]::ParameterValue, 'Send a prompt and print the reply as it arrives')
            [CompletionResult]::new('models', 'models', [CompletionResultType]::ParameterValue, 'List the model catalogue and check availability')
            [CompletionResult]::new('conv', 'conv', [CompletionResultType]::ParameterValue, 'Create, list, show and delete stored conversations')
            [CompletionResult]::new('embed', 'embed', [CompletionResultType]::ParameterValue, 'One vector per input text, from an embedding model')
            [CompletionResult]::new('image', 'image', [CompletionResultType]::ParameterValue, 'Draw with a text-to-image model and write PNG files')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Usage, latency, success rate and cost of recorded requests')
            [CompletionResult]::new('limits', 'limits', [CompletionResultType]::ParameterValue, 'The usage limits that apply to a user: used, left, and when each resets')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'A self-contained HTML usage report with charts: totals, per day and model, latency, errors, users, limits')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Show or clear the response cache')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'llmgw;help;chat' {
            break
        }
        'llmgw;help;stream' {
            break
        }
        'llmgw;help;models' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the models of the active catalogue')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether models are available; with MODEL, that one model and its alternatives (exit 3 if unavailable)')
            break
        }
        'llmgw;help;models;list' {
            break
        }
        'llmgw;help;models;status' {
            break
        }
        'llmgw;help;conv' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Start a conversation and print its id')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List conversations, most recently updated first')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print a conversation''s turns')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a conversation and its messages, or prune old ones')
            break
        }
        'llmgw;help;conv;create' {
            break
        }
        'llmgw;help;conv;list' {
            break
        }
        'llmgw;help;conv;show' {
            break
        }
        'llmgw;help;conv;delete' {
            break
        }
        'llmgw;help;embed' {
            break
        }
        'llmgw;help;image' {
            break
        }
        'llmgw;help;metrics' {
            break
        }
        'llmgw;help;limits' {
            break
        }
        'llmgw;help;report' {
            break
        }
        'llmgw;help;cache' {
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entries, size, hits and the cost the hits saved')
            [CompletionResult]::new('clear', 'clear', [CompletionResultType]::ParameterValue, 'Remove entries: all of them, or those older than a span, or one model''s')
            break
        }
        'llmgw;help;cache;stats' {
            break
        }
        'llmgw;help;cache;clear' {
            break
        }
        'llmgw;help;completions' {
            break
        }
        'llmgw;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
