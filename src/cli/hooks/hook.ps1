
    # Added by llmgw to the script clap_complete generates: model ids and aliases after -m/--model/--fallback and for
    # `models status`, conversation ids and names after --conv and for `conv show|delete`, asked from
    # `llmgw __complete` with the --config, --db and --user of the line being completed. Every other position is
    # completed by the generated code below.
    $llmgwValueOptions = @(@VALUE_OPTIONS@)
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
