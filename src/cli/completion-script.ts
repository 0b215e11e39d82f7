import type { Command, Option } from 'commander';

/** The shells `vm completion` writes scripts for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;
/** One of SHELLS. */
export type Shell = (typeof SHELLS)[number];

export interface CompletionOption {
  flags: string[];
  description: string;
  takesValue: boolean;
  choices: string[];
}

/** One positional argument as completion sees it. */
export interface CompletionArgument {
  choices: string[];
  variadic: boolean;
}

/** One visible command with its own options (not those inherited from its parents) and visible subcommands. */
export interface CompletionNode {
  path: string[];
  names: string[];
  description: string;
  options: CompletionOption[];
  args: CompletionArgument[];
  commands: CompletionNode[];
}

/** The visible command tree under `program`, hidden commands and options left out. */
export function completionTree(program: Command): CompletionNode {
  const walk = (cmd: Command, path: string[], inherited: Set<string>): CompletionNode => {
    const help = cmd.createHelp();
    const options = help
      .visibleOptions(cmd)
      .map(describeOption)
      .filter((o) => o.flags.length > 0 && !o.flags.some((f) => inherited.has(f)));
    const known = new Set([...inherited, ...options.flatMap((o) => o.flags)]);
    return {
      path,
      names: [cmd.name(), ...cmd.aliases()],
      description: firstLine(cmd.description()),
      options,
      args: cmd.registeredArguments.map((a) => ({ choices: a.argChoices ?? [], variadic: a.variadic })),
      commands: help.visibleCommands(cmd).map((sub) => walk(sub, [...path, sub.name()], known)),
    };
  };
  return walk(program, [], new Set());
}

function describeOption(option: Option): CompletionOption {
  return {
    flags: [option.short, option.long].filter((f): f is string => Boolean(f)),
    description: firstLine(option.description),
    takesValue: option.required || option.optional,
    choices: option.argChoices ?? [],
  };
}

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? '';
}

/** The completion script of `shell` for the program's command tree. */
export function completionScript(shell: Shell, program: Command): string {
  const tree = completionTree(program);
  const name = program.name();
  switch (shell) {
    case 'bash':
      return bashScript(tree, name);
    case 'zsh':
      return zshScript(tree, name);
    case 'fish':
      return fishScript(tree, name);
  }
}

function nodes(tree: CompletionNode): CompletionNode[] {
  return [tree, ...tree.commands.flatMap(nodes)];
}

/** Single-quotes a word for bash and zsh. */
function sq(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Single-quotes a word for fish, where backslashes and quotes are escaped with a backslash. */
function fishQuote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function caseFunction(fn: string, comment: string, entries: [string, string][], subject: string): string {
  const lines = entries.map(([key, value]) => `    ${sq(key)}) _vm_r=${sq(value)} ;;`);
  return [
    `${fn}() { # ${comment}`,
    `  case ${subject} in`,
    ...lines,
    `    *) _vm_r='' ;;`,
    '  esac',
    '}',
  ].join('\n');
}

/**
 * The data functions and the walker shared by bash and zsh. The walker reads the words before the cursor as
 * arguments ($1 is the program name), so it is the same code under bash's 0-based COMP_WORDS and zsh's 1-based words.
 */
function shellCore(tree: CompletionNode): string {
  const all = nodes(tree);
  const key = (n: CompletionNode) => n.path.join(' ');
  const children: [string, string][] = all.flatMap((n) =>
    n.commands.flatMap((c) => c.names.map((alias): [string, string] => [`${key(n)}|${alias}`, key(c)])),
  );
  const commands: [string, string][] = all
    .filter((n) => n.commands.length > 0)
    .map((n) => [key(n), n.commands.map((c) => c.names[0]).join(' ')]);
  const options: [string, string][] = all
    .filter((n) => n.options.length > 0)
    .map((n) => [key(n), n.options.flatMap((o) => o.flags).join(' ')]);
  const valueOptions: [string, string][] = all
    .map((n): [string, string] => [
      key(n),
      n.options
        .filter((o) => o.takesValue)
        .flatMap((o) => o.flags)
        .join(' '),
    ])
    .filter(([, flags]) => flags !== '');
  const choices: [string, string][] = all.flatMap((n) =>
    n.options
      .filter((o) => o.choices.length > 0)
      .flatMap((o) => o.flags.map((f): [string, string] => [`${key(n)}|${f}`, o.choices.join(' ')])),
  );
  const argChoices: string[] = all.flatMap((n) => {
    if (!n.args.some((a) => a.choices.length > 0)) return [];
    return n.args.map((a, i) => {
      const pattern = a.variadic ? `${sq(`${key(n)}|`)}*` : sq(`${key(n)}|${i}`);
      return `    ${pattern}) _vm_r=${sq(a.choices.join(' '))} ;;`;
    });
  });
  return [
    caseFunction('_vm_child', 'the command path of subcommand $2 of path $1', children, '"$1|$2"'),
    caseFunction('_vm_commands', 'the subcommands of a command path', commands, '"$1"'),
    caseFunction(
      '_vm_options',
      "the options a command declares (its parents' are added while walking)",
      options,
      '"$1"',
    ),
    caseFunction('_vm_value_options', 'which of those take a value', valueOptions, '"$1"'),
    caseFunction('_vm_choices', 'the choices of option $2 declared on command path $1', choices, '"$1|$2"'),
    [
      '_vm_arg_choices() { # the choices of positional argument number $2 (from 0) of command path $1',
      '  case "$1|$2" in',
      ...argChoices,
      `    *) _vm_r='' ;;`,
      '  esac',
      '}',
    ].join('\n'),
    `# Walks the words before the cursor (given as arguments) and decides what the word at the cursor ($_vm_cur)
# can be. Sets _vm_want (commands, options, words or files), _vm_r (the candidates), _vm_path (the command path),
# _vm_paths (the root and every command on the way) and _vm_prefix (an "--option=" the cursor word starts with).
_vm_complete() {
  local w p opt='' skip=0 endopts=0 nargs=0 opts valopts found
  _vm_path=''
  _vm_paths=('')
  _vm_prefix=''
  _vm_want=''
  _vm_options ''; opts=$_vm_r
  _vm_value_options ''; valopts=$_vm_r
  shift
  for w in "$@"; do
    # bash splits --status=active into --status, =, active: the value still follows
    if [[ $w == '=' ]]; then continue; fi
    if ((skip)); then skip=0; continue; fi
    if ((!endopts)); then
      case $w in
        --) endopts=1; continue ;;
        --*=*) continue ;;
        -?*) if [[ " $valopts " == *" $w "* ]]; then skip=1; opt=$w; fi; continue ;;
      esac
    fi
    if ((nargs == 0)); then
      _vm_child "$_vm_path" "$w"
      if [[ -n $_vm_r ]]; then
        _vm_path=$_vm_r
        _vm_paths+=("$_vm_path")
        _vm_options "$_vm_path"; opts="$opts $_vm_r"
        _vm_value_options "$_vm_path"; valopts="$valopts $_vm_r"
        continue
      fi
    fi
    nargs=$((nargs + 1))
  done
  if ((!skip && !endopts)) && [[ $_vm_cur == --*=* ]]; then
    opt=\${_vm_cur%%=*}; _vm_prefix="$opt="; _vm_cur=\${_vm_cur#*=}; skip=1
  fi
  if ((skip)); then
    if [[ $_vm_cur == '=' ]]; then _vm_cur=''; fi
    found=''
    for p in "\${_vm_paths[@]}"; do
      _vm_choices "$p" "$opt"
      if [[ -n $_vm_r ]]; then found=$_vm_r; fi
    done
    _vm_r=$found
    if [[ -n $found ]]; then _vm_want=words; else _vm_want=files; fi
    return 0
  fi
  if ((!endopts)) && [[ $_vm_cur == -* ]]; then
    _vm_want=options; _vm_r=$opts; return 0
  fi
  _vm_commands "$_vm_path"
  if ((nargs == 0)) && [[ -n $_vm_r ]]; then _vm_want=commands; return 0; fi
  _vm_arg_choices "$_vm_path" "$nargs"
  if [[ -n $_vm_r ]]; then _vm_want=words; return 0; fi
  _vm_want=options; _vm_r=$opts
}`,
  ].join('\n\n');
}

function bashScript(tree: CompletionNode, name: string): string {
  return `# bash completion for ${name}, generated from its command tree by \`${name} completion bash\`.
# Load it now:      source <(${name} completion bash)
# Or for good:      ${name} completion bash > ~/.local/share/bash-completion/completions/${name}

${shellCore(tree)}

_vm() {
  local _vm_cur=\${COMP_WORDS[COMP_CWORD]}
  _vm_complete "\${COMP_WORDS[@]:0:COMP_CWORD}"
  if [[ $_vm_want == files ]]; then
    COMPREPLY=()
    # readline's own file name completion; outside a completion (compopt fails) list the files ourselves
    compopt -o default 2>/dev/null || COMPREPLY=($(compgen -f -- "$_vm_cur"))
    return 0
  fi
  COMPREPLY=($(compgen -W "$_vm_r" -- "$_vm_cur"))
  if [[ -n $_vm_prefix ]]; then COMPREPLY=("\${COMPREPLY[@]/#/$_vm_prefix}"); fi
  return 0
}

complete -F _vm ${name}
`;
}

function zshScript(tree: CompletionNode, name: string): string {
  const all = nodes(tree);
  const key = (n: CompletionNode) => n.path.join(' ');
  const describe = (fn: string, comment: string, rows: [string, string[]][]) =>
    [
      `${fn}() { # ${comment}`,
      '  case "$1" in',
      ...rows.map(([k, items]) => `    ${sq(k)}) _vm_d+=(${items.map(sq).join(' ')}) ;;`),
      '  esac',
      '}',
    ].join('\n');
  const entry = (word: string, description: string) => `${word.replace(/:/g, '\\:')}:${description}`;
  const commandRows: [string, string[]][] = all
    .filter((n) => n.commands.length > 0)
    .map((n) => [key(n), n.commands.map((c) => entry(c.names[0] ?? '', c.description))]);
  const optionRows: [string, string[]][] = all
    .filter((n) => n.options.length > 0)
    .map((n) => [key(n), n.options.flatMap((o) => o.flags.map((f) => entry(f, o.description)))]);
  return `#compdef ${name}
# zsh completion for ${name}, generated from its command tree by \`${name} completion zsh\`.
# Load it now:      source <(${name} completion zsh)
# Or for good:      ${name} completion zsh > "\${fpath[1]}/_${name}"

${shellCore(tree)}

${describe('_vm_zsh_commands', 'the subcommands of a command path, with descriptions', commandRows)}

${describe('_vm_zsh_options', 'the options a command declares, with descriptions', optionRows)}

_vm() {
  local _vm_cur=\${words[CURRENT]} p
  local -a _vm_d
  _vm_complete "\${(@)words[1,CURRENT-1]}"
  case $_vm_want in
    commands)
      _vm_zsh_commands "$_vm_path"
      _describe -t commands '${name} command' _vm_d
      ;;
    options)
      for p in "\${_vm_paths[@]}"; do _vm_zsh_options "$p"; done
      _describe -t options option _vm_d
      ;;
    words)
      if [[ -n $_vm_prefix ]]; then compset -P '*='; fi
      compadd -- \${=_vm_r}
      ;;
    files)
      if [[ -n $_vm_prefix ]]; then compset -P '*='; fi
      _files
      ;;
  esac
}

if [[ "\${funcstack[1]}" == _vm ]]; then
  _vm "$@"
else
  (( \${+functions[compdef]} )) || { autoload -Uz compinit && compinit -i; }
  compdef _vm ${name}
fi
`;
}

function fishScript(tree: CompletionNode, name: string): string {
  const lines: string[] = [
    `# fish completion for ${name}, generated from its command tree by \`${name} completion fish\`.`,
    `# Install it: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `complete -c ${name} -e`,
    `complete -c ${name} -f`,
  ];
  const seen = (path: string[]) => path.map((p) => `__fish_seen_subcommand_from ${p}`);
  const walk = (n: CompletionNode) => {
    const here = seen(n.path);
    const sub = n.commands.flatMap((c) => c.names);
    const subCondition = [
      ...here,
      ...(sub.length ? [`not __fish_seen_subcommand_from ${sub.join(' ')}`] : []),
    ];
    for (const c of n.commands) {
      lines.push(
        `complete -c ${name} -n ${fishQuote(subCondition.join('; and '))} -a ${fishQuote(c.names[0] ?? '')} -d ${fishQuote(c.description)}`,
      );
    }
    const optionCondition = here.length ? ` -n ${fishQuote(here.join('; and '))}` : '';
    for (const o of n.options) {
      const flags = o.flags
        .map((f) => (f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`))
        .join(' ');
      const value = !o.takesValue
        ? ''
        : o.choices.length
          ? ` -x -a ${fishQuote(o.choices.join(' '))}`
          : ' -r -F';
      lines.push(`complete -c ${name}${optionCondition} ${flags}${value} -d ${fishQuote(o.description)}`);
    }
    const choices = [...new Set(n.args.flatMap((a) => a.choices))];
    if (choices.length && n.path.length) {
      lines.push(
        `complete -c ${name} -n ${fishQuote([...here, `not __fish_seen_subcommand_from ${choices.join(' ')}`].join('; and '))} -a ${fishQuote(choices.join(' '))}`,
      );
    }
    n.commands.forEach(walk);
  };
  walk(tree);
  return `${lines.join('\n')}\n`;
}
