import type { Lang } from './i18n/index.js';

/** The names of the help topics `vm help TOPIC` prints. */
export const HELP_TOPICS = [
  'environment',
  'exit-codes',
  'targets',
  'billing',
  'output',
  'events',
  'webhooks',
] as const;
export type HelpTopic = (typeof HELP_TOPICS)[number];

const ENVIRONMENT: Record<Lang, string> = {
  en: `Environment variables that vm reads

  VM_SERVER        backend URL; beats the profile's server (same as --server), not a --profile's
  VM_TOKEN         API token from "vm tokens create"; beats VM_PROFILE and the default profile's
                   session, but not --profile (see "Credentials" below)
  VM_PROFILE       config profile to use (same as --profile, which beats it); default "default"
  VM_LANG          language of messages and help: en or ru (same as --lang)
  VM_CA            PEM file of a private CA to trust (same as --ca); "vm login --ca FILE" remembers it
                   in the profile for that server
  VM_CONNECT_TIMEOUT  seconds to wait for a connection (same as --connect-timeout; default 5)
  VM_TIMEOUT       seconds the backend has to answer once connected (same as --timeout; default 30): to
                   send a whole answer, or to start a download, which may then take longer but not stall
                   that long
  VM_MAX_RETRY_WAIT  longest wait in seconds before a retry (same as --max-wait; default 60). A server
                   asking for more with Retry-After (seconds or a date) is not waited for: vm fails at
                   once (exit 1) saying how long it asked
  VM_RETRIES       how many times a failed request is tried again when that is safe (same as --retries;
                   default 6; 0: one attempt only); see "Retries" below
  VM_PAGE_SIZE     rows a list asks for in one request, 1 to 1000 (default 1000): smaller pages mean
                   shorter answers to lose and retry on a poor link, and more requests
  VM_DEBUG         1 prints request lines, request ids and retries to stderr, never tokens (same as
                   --verbose)
  NO_COLOR         any value turns colour off (same as --no-color)
  TERM=dumb        turns colour off
  XDG_CONFIG_HOME  the config is $XDG_CONFIG_HOME/vm/config.json, mode 0600 (default ~/.config/vm/config.json)
  XDG_DATA_HOME    backend data default: $XDG_DATA_HOME/vm/backend (default ~/.local/share/vm/backend)
  XDG_CACHE_HOME   what shell completion asked the backend (tariff codes, groups, recent operations) is
                   kept a short time in $XDG_CACHE_HOME/vm/completion (default ~/.cache/vm); safe to delete
  LANG, LC_ALL     language when neither --lang nor VM_LANG is given (also LC_MESSAGES); ru_RU.UTF-8 means Russian
  CI               set by CI systems; vm never prompts there anyway because there is no terminal (TTY),
                   so changes need --yes
  VM_RATE_LIMIT    the backend's rate limits (same as "vm backend start --rate-limit"; see below)
  VM_FAULTS        faults the backend injects (same as "vm backend start --faults"; see below)
  VM_WEBHOOK_SECRET  the secret "vm webhooks verify" checks a delivery with (else --secret-stdin)

Precedence: flags > environment > profile > defaults.
Colour and tables appear only on a terminal; piped output is tab-separated without colour.

Credentials
  A command sends one credential, the first of:
    --profile NAME > VM_TOKEN > VM_PROFILE > the profile "default"
  --profile NAME is that profile's stored session (from "vm login --profile NAME") even when VM_TOKEN
  is set: an option on the command line beats the environment, as in the AWS CLI. VM_TOKEN beats
  VM_PROFILE; the profile still gives the server and CA. "vm whoami" says which credential is in use
  and where it came from ("API token from VM_TOKEN", "session of profile manager (--profile)").
  No flag takes a token: the command line shows in ps and in the shell's history. "vm logout" ends
  the profile's session whatever VM_TOKEN says.

Retries
  What is sent again: a request that cannot change anything twice — a GET, a change with an
  Idempotency-Key (vm gives one to every change it submits), and a request the API declares safe (a plan
  or dry run, a call detail query, a report) — after 429, 502, 503 or 504, a reset connection or a
  timeout. Any other request (a login, a password change, ...) goes again only if nothing reached the
  backend (the connection was never made) or it refused with 429 (it did nothing). A refused connection
  or an unknown host is reported at once. A list goes on from the page that failed, never from the start.
  How many: --retries N or VM_RETRIES, default 6 (7 attempts). Why 6: 20,000 numbers are 20 pages of
  1000. If each attempt fails on its own with p = 0.2, a page is lost only when all 7 attempts fail:
  0.2^7 = 0.0000128, so the listing fails about 20 x 0.0000128 = 0.026 % of runs, under 1 in 1000.
  5 retries would give 20 x 0.2^6 = 0.13 %. With 5 % of connections dropped as well, p = 0.24 and
  20 x 0.24^7 = 0.092 %, still under 1 in 1000.
  How long: retry n (from 0) waits a random time from 0 to min(10 s, 0.2 s x 2^n) ("full jitter"), or
  what the backend's Retry-After asks, up to --max-wait (asking for more fails at once). The 6 waits add
  up to 0.2+0.4+0.8+1.6+3.2+6.4 = 12.6 s at most (6.3 s on average); a backend that asks with
  Retry-After can make it 6 x --max-wait (6 minutes). Each attempt may also run into its timeouts: a
  backend that accepts and never answers costs 7 x (--connect-timeout + --timeout), about 4 minutes.
  Pacing: when answers carry RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset, vm goes at the
  rate the quota comes back (the limit less what remains, over the seconds until the reset) once the
  last tenth of the window is left, so it slows down before the backend refuses. Without those headers
  it never waits.
  Seen: -v prints each retry with its reason and wait
    > GET /v1/numbers?limit=1000 -> 503 unavailable [req_1], retry 2/6 in 340 ms
  On a terminal, the first wait of 2 s or more is said once on stderr; scripts see nothing.

The backend misbehaves like a real operator API
  Rate limits (on unless --rate-limit off): per token or session, reads (GET) 20 a second with a burst
  of 40 and changes 5 a second with a burst of 10; per client address, 100 requests a second. Each is a
  token bucket: a burst goes through at once, then it refills at the rate. Over a limit the answer is
  429 rate_limited with Retry-After (seconds); every answer carries RateLimit-Limit, RateLimit-Remaining
  and RateLimit-Reset. --rate-limit 'read=20/s:40,write=5/s:10,ip=100/s' changes them (a part left out
  keeps its default). The OpenAPI document (/v1/openapi.json) is never limited. vm retries a 429 after
  Retry-After; vm demo runs with ten times the limits.
  Faults (off unless --faults): --faults 'error=0.2,latency=20ms,drop=0.05,slow=0.01:5s' gives each
  request a 503 unavailable with probability 0.2, 20 ms more for every request, a reset connection with
  probability 0.05 (half before the work, half after it: the work is done but the answer is lost, so
  only an Idempotency-Key makes a retry safe) and a 5 s stall before the answer with probability 0.01.
  --faults-seed N repeats a run (the seed is printed at start); --log-level debug logs each fault.
  /v1/openapi.json and /v1/status never get faults, so tools can always check the backend.

A test clock
  vm backend start --clock 2026-11-02T10:00:00Z --test-mode runs the backend on a manual clock: it
  stands still until moved, and what goes by time follows it (scheduled changes and --until, billing
  days, usage, limits and autopay, idle sessions, login lockouts). --test-mode adds the routes that
  move it, which need no login: never use it on a backend others can reach.
    POST /v1/test/clock  {"now": "2026-11-03T08:00:00Z"} sets it; {"advanceSeconds": 3600} moves it on
                         (whole seconds, 0 or more); both: "now" plus the seconds. The answer,
                         {"now": "..."}, comes once whatever fell due by then has run (operations,
                         billing, limits), so the next command sees it. Setting it back undoes nothing.
    GET /v1/test/clock   the backend's time.
  Without --test-mode both are 404 not_found; with --test-mode but no --clock, POST is 409 conflict (the
  system clock cannot be moved). vm reads the backend's clock from GET /v1/status (vm backend status)
  and counts --at +1d, 18:00 and --expires 2d from it.
    $ curl -X POST http://127.0.0.1:7080/v1/test/clock -H 'content-type: application/json' \
        -d '{"advanceSeconds": 86400}'

Examples:
  $ VM_TOKEN=vmt_... vm numbers list --json
  $ VM_SERVER=https://vm.example.ru VM_LANG=ru vm whoami
  $ NO_COLOR=1 vm numbers list --status blocked
  $ VM_RETRIES=10 vm numbers list --json > numbers.json
`,
  ru: `Переменные окружения, которые читает vm

  VM_SERVER        адрес бэкенда; важнее сервера из профиля (то же, что --server), но не --profile
  VM_TOKEN         API-токен из «vm tokens create»; важнее VM_PROFILE и сеанса профиля по умолчанию,
                   но не --profile (см. «Учётные данные» ниже)
  VM_PROFILE       профиль настроек (то же, что --profile, который важнее); по умолчанию «default»
  VM_LANG          язык сообщений и справки: en или ru (то же, что --lang)
  VM_CA            PEM-файл частного удостоверяющего центра, которому доверять (то же, что --ca);
                   «vm login --ca ФАЙЛ» запоминает его в профиле для этого сервера
  VM_CONNECT_TIMEOUT  сколько секунд ждать соединения (то же, что --connect-timeout; по умолчанию 5)
  VM_TIMEOUT       сколько секунд бэкенд может отвечать после соединения (то же, что --timeout; по
                   умолчанию 30): прислать весь ответ или начать выгрузку, которая дальше может идти
                   дольше, но не стоять так долго
  VM_MAX_RETRY_WAIT  сколько секунд самое большее ждать перед повтором (то же, что --max-wait; по
                   умолчанию 60). Если сервер просит дольше (Retry-After в секундах или датой), vm не
                   ждёт, а сразу завершается (код 1) и говорит, сколько он просил
  VM_RETRIES       сколько раз повторять неудавшийся запрос, когда повтор безопасен (то же, что
                   --retries; по умолчанию 6; 0 — одна попытка); см. «Повторы» ниже
  VM_PAGE_SIZE     сколько строк список просит за один запрос, от 1 до 1000 (по умолчанию 1000):
                   страницы меньше — короче ответы, которые теряются и повторяются на плохой связи,
                   и больше запросов
  VM_DEBUG         1 — печатать строки запросов, их id и повторы в stderr, но не токены (то же, что
                   --verbose)
  NO_COLOR         любое значение выключает цвет (то же, что --no-color)
  TERM=dumb        выключает цвет
  XDG_CONFIG_HOME  настройки в $XDG_CONFIG_HOME/vm/config.json, права 0600 (по умолчанию ~/.config/vm/config.json)
  XDG_DATA_HOME    данные бэкенда по умолчанию: $XDG_DATA_HOME/vm/backend (иначе ~/.local/share/vm/backend)
  XDG_CACHE_HOME   то, что автодополнение спросило у бэкенда (коды тарифов, группы, недавние операции),
                   недолго хранится в $XDG_CACHE_HOME/vm/completion (иначе ~/.cache/vm); можно удалить
  LANG, LC_ALL     язык, если не заданы ни --lang, ни VM_LANG (также LC_MESSAGES); ru_RU.UTF-8 — русский
  CI               задаётся системами CI; vm там и так ничего не спрашивает, потому что нет терминала (TTY),
                   поэтому изменениям нужен --yes
  VM_RATE_LIMIT    ограничения частоты запросов к бэкенду (то же, что «vm backend start --rate-limit»; см. ниже)
  VM_FAULTS        сбои, которые устраивает бэкенд (то же, что «vm backend start --faults»; см. ниже)
  VM_WEBHOOK_SECRET  секрет, которым «vm webhooks verify» проверяет доставку (иначе --secret-stdin)

Порядок важности: флаги > окружение > профиль > значения по умолчанию.
Цвет и таблицы — только в терминале; вывод в канал — строки через табуляцию без цвета.

Учётные данные
  Команда отправляет одни учётные данные — первые из:
    --profile NAME > VM_TOKEN > VM_PROFILE > профиль «default»
  --profile NAME — сохранённый сеанс этого профиля (из «vm login --profile NAME»), даже если задан
  VM_TOKEN: параметр в командной строке важнее окружения, как в AWS CLI. VM_TOKEN важнее VM_PROFILE;
  сервер и CA по-прежнему берутся из профиля. «vm whoami» говорит, какие учётные данные используются
  и откуда они («API-токен из VM_TOKEN», «сеанс профиля manager (--profile)»). Токен не передаётся
  параметром: командную строку видно в ps и в истории оболочки. «vm logout» завершает сеанс профиля,
  что бы ни было в VM_TOKEN.

Повторы
  Что повторяется: запрос, который не может ничего изменить дважды, — GET, изменение с Idempotency-Key
  (vm даёт его каждому изменению, которое отправляет) и запрос, объявленный в API безопасным (план или
  пробный прогон, запрос детализации, отчёт), — после 429, 502, 503 или 504, разорванного соединения
  или тайм-аута. Любой другой запрос (вход, смена пароля, ...) повторяется, только если до бэкенда
  ничего не дошло (соединение не установилось) или он отказал с 429 (ничего не сделав). Об отказе в
  соединении и неизвестном хосте vm сообщает сразу. Список продолжается со страницы, на которой
  случился сбой, а не с начала.
  Сколько: --retries N или VM_RETRIES, по умолчанию 6 (7 попыток). Почему 6: 20 000 номеров — это 20
  страниц по 1000. Если каждая попытка независимо неудачна с вероятностью p = 0,2, страница теряется,
  только когда неудачны все 7 попыток: 0,2^7 = 0,0000128, и список не получается примерно в
  20 x 0,0000128 = 0,026 % запусков, реже 1 из 1000. При 5 повторах было бы 20 x 0,2^6 = 0,13 %. Если
  ещё 5 % соединений обрываются, p = 0,24 и 20 x 0,24^7 = 0,092 % — всё ещё реже 1 из 1000.
  Сколько ждать: повтор n (с 0) ждёт случайное время от 0 до min(10 с, 0,2 с x 2^n) («full jitter»)
  или сколько просит Retry-After бэкенда, но не больше --max-wait (просьба ждать дольше — сразу
  ошибка). 6 ожиданий в сумме не больше 0,2+0,4+0,8+1,6+3,2+6,4 = 12,6 с (в среднем 6,3 с); бэкенд,
  просящий Retry-After, может растянуть это до 6 x --max-wait (6 минут). Каждая попытка может ещё
  упереться в тайм-ауты: бэкенд, который принимает соединение и молчит, стоит
  7 x (--connect-timeout + --timeout), около 4 минут.
  Темп: если в ответах есть RateLimit-Limit, RateLimit-Remaining и RateLimit-Reset, то, когда в окне
  остаётся последняя десятая часть, vm идёт с той скоростью, с какой запросы возвращаются (лимит минус
  остаток за секунды до сброса), — то есть замедляется раньше, чем бэкенд откажет. Без этих заголовков
  vm не ждёт никогда.
  Как это видно: -v печатает каждый повтор с причиной и ожиданием
    > GET /v1/numbers?limit=1000 -> 503 unavailable [req_1], retry 2/6 in 340 ms
  В терминале первое ожидание от 2 с сообщается один раз в stderr; скрипты ничего не видят.

Бэкенд ведёт себя как настоящий API оператора
  Ограничения частоты (включены, если не задано --rate-limit off): на токен или сеанс — чтение (GET)
  20 запросов в секунду с запасом 40 и изменения 5 в секунду с запасом 10; на адрес клиента — 100
  запросов в секунду. Каждое ограничение — «ведро с жетонами»: запас проходит сразу, дальше ведро
  пополняется с заданной частотой. Сверх ограничения ответ — 429 rate_limited с Retry-After (в секундах);
  в каждом ответе есть RateLimit-Limit, RateLimit-Remaining и RateLimit-Reset. --rate-limit
  'read=20/s:40,write=5/s:10,ip=100/s' меняет их (опущенная часть остаётся по умолчанию). Документ
  OpenAPI (/v1/openapi.json) не ограничивается. vm повторяет запрос после 429, выждав Retry-After;
  vm demo работает с ограничениями в десять раз выше.
  Сбои (выключены, если не задано --faults): --faults 'error=0.2,latency=20ms,drop=0.05,slow=0.01:5s'
  даёт каждому запросу ответ 503 unavailable с вероятностью 0,2, ещё 20 мс к каждому запросу, обрыв
  соединения с вероятностью 0,05 (половина — до работы, половина — после: работа сделана, а ответ
  потерян, поэтому повтор безопасен только с Idempotency-Key) и задержку 5 с перед ответом с
  вероятностью 0,01. --faults-seed N повторяет прогон (зерно печатается при запуске); --log-level debug
  записывает в журнал каждый сбой. /v1/openapi.json и /v1/status не сбоят никогда, чтобы инструменты
  всегда могли проверить бэкенд.

Тестовые часы
  vm backend start --clock 2026-11-02T10:00:00Z --test-mode запускает бэкенд на ручных часах: они стоят,
  пока их не переведут, и всё, что идёт по времени, следует за ними (запланированные изменения и --until,
  дни выставления счетов, трафик, лимиты и автоплатёж, бездействие сеансов, блокировка входа).
  --test-mode добавляет маршруты, которые их переводят, и они не требуют входа: не включайте его на
  бэкенде, доступном другим.
    POST /v1/test/clock  {"now": "2026-11-03T08:00:00Z"} ставит время; {"advanceSeconds": 3600} переводит
                         вперёд (целые секунды, 0 или больше); оба сразу — "now" плюс секунды. Ответ
                         {"now": "..."} приходит, когда всё, что наступило к этому времени, выполнено
                         (операции, начисления, лимиты), — следующая команда это уже видит. Перевод
                         назад ничего не отменяет.
    GET /v1/test/clock   время бэкенда.
  Без --test-mode оба отвечают 404 not_found; с --test-mode, но без --clock, POST отвечает 409 conflict
  (системные часы не переводятся). vm читает часы бэкенда из GET /v1/status (vm backend status) и
  отсчитывает от них --at +1d, 18:00 и --expires 2d.
    $ curl -X POST http://127.0.0.1:7080/v1/test/clock -H 'content-type: application/json' \
        -d '{"advanceSeconds": 86400}'

Примеры:
  $ VM_TOKEN=vmt_... vm numbers list --json
  $ VM_SERVER=https://vm.example.ru VM_LANG=ru vm whoami
  $ NO_COLOR=1 vm numbers list --status blocked
  $ VM_RETRIES=10 vm numbers list --json > numbers.json
`,
};

const EXIT_CODES: Record<Lang, string> = {
  en: `Exit codes

  0    success; for a bulk change, every number succeeded
       e.g. vm numbers list --json > numbers.json
  1    error: the server failed, the network failed after retries, or something unexpected; or
       vm apply PLAN refused a saved plan whose numbers moved since it was made
       e.g. Cannot reach the backend at http://127.0.0.1:7080 (ECONNREFUSED). Is it running?
  2    usage or input error: a bad flag, a bad CSV, confirmation needed without a terminal
       e.g. numbers.csv:17: "8916123" is not a valid phone number
       vm plan --detailed-exitcode: something would change (0: nothing would; any error is 1 then,
       so 2 only ever means changes)
  3    partial failure: the operation finished, some numbers failed (they are listed)
       e.g. 98 of 100 numbers blocked; 2 failed
  4    not authenticated, session expired or token invalid
       e.g. Session expired after 20 minutes idle. Run: vm login
  5    forbidden by your rights
       e.g. Not allowed: you may not change tariffs
  6    vm backend start only: another vm backend is using the data directory (it keeps running)
       e.g. Another vm backend (pid 4242) is using /srv/vm; stop it first or use --data elsewhere.
  7    vm backend start only: the data directory cannot be used (not a directory, not writable,
       a damaged database, a full disk)
       e.g. No space left for the backend data in /srv/vm (SQLITE_FULL): free some space, ...
  130  interrupted (Ctrl-C); the operation keeps running in the backend and its id is printed; a
       file being written (--output) is removed, never left half
       e.g. Interrupted. The operation op_123 goes on: vm ops wait op_123
  143  terminated (SIGTERM, e.g. a CI job's timeout): the same as 130

In a script:
  $ vm numbers list --json > numbers.json || echo "vm failed with exit code $?"
`,
  ru: `Коды завершения

  0    успех; для массового изменения — успешно для каждого номера
       напр. vm numbers list --json > numbers.json
  1    ошибка: сбой сервера, сети (после повторов) или что-то непредвиденное; или vm apply ПЛАН
       отказался выполнять сохранённый план, потому что номера с тех пор изменились
       напр. Бэкенд http://127.0.0.1:7080 недоступен (ECONNREFUSED). Он запущен?
  2    ошибка вызова или входных данных: неверный флаг, плохой CSV, нужно подтверждение, а терминала нет
       напр. numbers.csv:17: «8916123» — не номер телефона
       vm plan --detailed-exitcode: есть что менять (0 — менять нечего; любая ошибка тогда — 1,
       так что 2 всегда значит «есть изменения»)
  3    частичная неудача: операция завершилась, но для некоторых номеров — с ошибкой (они перечислены)
       напр. Заблокировано 98 номеров из 100; 2 с ошибкой
  4    вход не выполнен, сеанс завершён или токен недействителен
       напр. Сеанс завершён после 20 минут бездействия. Выполните: vm login
  5    запрещено вашими правами
       напр. Нет прав: вы не можете менять тарифы
  6    только vm backend start: каталог данных занят другим бэкендом vm (тот продолжает работать)
       напр. Каталог /srv/vm занят другим бэкендом vm (pid 4242): сначала остановите его или укажите другой --data.
  7    только vm backend start: каталог данных нельзя использовать (не каталог, нет прав на запись,
       база повреждена, диск заполнен)
       напр. Не хватает места для данных бэкенда в /srv/vm (SQLITE_FULL): освободите место, ...
  130  прервано (Ctrl-C); операция продолжается в бэкенде, её id напечатан; файл, который
       записывался (--output), удаляется, а не остаётся недописанным
       напр. Прервано. Операция op_123 продолжается: vm ops wait op_123
  143  остановлено сигналом SIGTERM (например, по тайм-ауту задания CI): так же, как 130

В скрипте:
  $ vm numbers list --json > numbers.json || echo "vm завершился с кодом $?"
`,
};

/** Is `name` one of the help topics? */
export function isHelpTopic(name: string): name is HelpTopic {
  return (HELP_TOPICS as readonly string[]).includes(name);
}

const TARGETS: Record<Lang, string> = {
  en: `Which numbers a change applies to, and how a bulk change runs

Targets (they combine):
  numbers as arguments     vm block +79161234567 "8 (916) 123-45-68" --reason lost --yes
  --file FILE (repeatable) CSV, TSV or one number a line; - reads stdin
  filters                  --group G (with subgroups), --account A, --tariff T, --region R, --all

Files:
  delimiter ,  ;  or tab, detected; UTF-8 with or without BOM, UTF-16 (Excel "Unicode text"),
  Windows-1251 (Russian Excel CSV), detected. The number column is found by its header:
  msisdn, number, phone, номер, телефон, "Номер телефона", … or --column NAME|N. A one-column file
  needs no header. Numbers in any common spelling: 8 (916) 123-45-67, +7 916 123 45 67, 79161234567.
  Excel's 7.91612E+10 is refused: format the column as text and export again.
  Per-row columns override the command's value: tariff/тариф, service/услуга, reason/причина,
  group/группа, at/время (that row is scheduled).

Before anything is sent the whole input is validated: every bad row is listed as
  staff.csv:17: "8916123" is not a valid phone number
and nothing is changed (exit 2); --skip-invalid sends the valid rows. Tariff and service codes (the
command's and each row's) are checked against the catalog: СМАРТ or "smart plus" is a bad row saying
which code is meant (did you mean SMART?). A number given twice is sent once, and its lines are named;
given twice with other values (SMART on one row, SMART_PLUS on another) it is a bad row naming both.

Then: --dry-run prints the plan (now → after, monthly cost change, problems) and changes nothing.
On a terminal a change to more than one number, and every block, SIM replacement and number change,
first says what will happen (how many numbers change, are skipped and would fail, and why; the cost),
then asks; without a terminal it needs --yes (else exit 2). Every submission carries an
idempotency key (--idempotency-key K for scripts that retry): repeating it changes nothing twice.
vm waits (progress bar on a terminal), lists the failed numbers with reasons, and exits 0 when all
succeeded or needed no change, 3 when some failed. --no-wait prints the operation id; vm ops wait ID.
--at TIME schedules it in the backend: 2026-12-01T18:00:00Z, "2026-12-01 18:00", 18:00, +2h.
18:00 and +2h count from the backend's clock (asked once), which decides when the change runs.

Examples:
  $ vm tariff set SMART --file staff.csv --dry-run
  $ vm block --file leavers.csv --reason employee_left --yes
  $ vm services add ROAM_EU --group sales --until 2026-12-20 --yes --no-wait
`,
  ru: `К каким номерам применяется изменение и как выполняется массовая операция

Номера (способы сочетаются):
  номера аргументами       vm block +79161234567 "8 (916) 123-45-68" --reason lost --yes
  --file ФАЙЛ (несколько)  CSV, TSV или по номеру в строке; - читает stdin
  фильтры                  --group Г (с подгруппами), --account С, --tariff Т, --region Р, --all

Файлы:
  разделитель ,  ;  или табуляция — определяется сам; UTF-8 с BOM и без, UTF-16 (Excel «Текст Юникод»),
  Windows-1251 (CSV русского Excel) — определяются сами. Колонка с номером ищется по заголовку:
  msisdn, number, phone, номер, телефон, «Номер телефона», … или --column ИМЯ|N. Файлу из одной колонки
  заголовок не нужен. Номера в любой привычной записи: 8 (916) 123-45-67, +7 916 123 45 67, 79161234567.
  7.91612E+10 из Excel не принимается: сделайте колонку текстовой и выгрузите снова.
  Колонки строк задают своё значение: tariff/тариф, service/услуга, reason/причина, group/группа,
  at/время (строка выполняется по расписанию).

До отправки проверяется весь ввод: каждая неверная строка выводится как
  staff.csv:17: «8916123» — не номер телефона
и ничего не меняется (код 2); --skip-invalid отправит верные строки. Коды тарифов и услуг (команды
и каждой строки) сверяются с каталогом: СМАРТ или «smart plus» — неверная строка с подсказкой, какой
код имелся в виду (может быть, SMART?). Номер, указанный дважды, отправляется один раз, а его строки
называются; указанный дважды с разными значениями (SMART в одной строке, SMART_PLUS в другой) —
неверная строка, в сообщении названы обе.

Дальше: --dry-run печатает план (сейчас → станет, изменение абонплаты, проблемы) и ничего не меняет.
В терминале изменение нескольких номеров, а также любая блокировка, замена SIM и смена номера
сначала говорят, что будет (сколько номеров изменится, будет пропущено и завершится ошибкой, почему;
стоимость), и спрашивают подтверждение; без терминала нужен --yes (иначе код 2). Каждая отправка несёт ключ
идемпотентности (--idempotency-key K для скриптов с повтором): повтор ничего не изменит дважды.
vm ждёт (полоса прогресса в терминале), выводит номера с ошибками и причинами и завершается с кодом 0,
если всё выполнено или не требовалось, и 3, если были ошибки. --no-wait печатает id операции; vm ops wait ID.
--at ВРЕМЯ планирует выполнение в бэкенде: 2026-12-01T18:00:00Z, "2026-12-01 18:00", 18:00, +2h.
18:00 и +2h отсчитываются от часов бэкенда (vm спрашивает их один раз): они решают, когда выполнить.

Примеры:
  $ vm tariff set SMART --file staff.csv --dry-run
  $ vm block --file leavers.csv --reason employee_left --yes
  $ vm services add ROAM_EU --group sales --until 2026-12-20 --yes --no-wait
`,
};

const BILLING: Record<Lang, string> = {
  en: `How the operator bills, and what vm shows of it

The backend bills by its own clock (vm backend start --clock, and POST /v1/test/clock in test mode):
  - at 00:00 UTC of each account's billing day (1–28) the monthly fees of its active lines: the tariff
    and every service with a monthly fee; a period runs from one billing day to the day before the next
  - when each day ends, the usage of every active line, priced from that day's call detail records
    against what is left of the tariff's allowance: calls beyond it 2.50 RUB a started minute, SMS 3.50,
    data 0.15 RUB a started MB; roaming 49 RUB a minute and 15 RUB a MB unless the tariff includes it
  - one-time fees (tariff change, SIM, connection) when an operation applies them, a rollback's too
    (it is a change like any other; vm ops rollback ID --dry-run shows its fees)
Every charge is recorded once (one per line, kind and period or day): restarts never charge twice.
Usage appears when its day is closed, so details and charges of today come tomorrow.

  vm balance              balance, credit, the current period, charged so far, forecast to its end
  vm limits set N --monthly 2000 --action block    over the limit in a period: notify, or block by an
                          operation (reason limit_exceeded, visible in vm ops); once per period
  vm limits set --for-group G --monthly 1500       a group's limit for its numbers without their own
  vm alerts set N --metric spend --threshold 80% --of-limit   below the limit: once a period at 80% of
                          it, notify (e-mail, SMS, or the event alone for webhooks) or block
  vm alerts set --group G --metric data --value 5000 --period day   data, minutes and SMS too, or a day
  vm autopay set --account A --below 1000 --amount 5000   a top-up once each time a charge crosses
  vm detail N --period 2026-10 --csv              the records; --all is a background request
  vm report expenses|usage|limits|tariff-optimization ...  where the money went

Every limit also notes 50, 80 and 100% of it as events (limit.threshold_reached). Each threshold counts
once per period, whatever restarts, and again in the next period.
Call details are generated from (seed, number, day): the same company has the same calls everywhere.
Days before the backend's first start are history: readable, never charged.
`,
  ru: `Как оператор выставляет счета и что из этого показывает vm

Бэкенд считает по своим часам (vm backend start --clock, а в тестовом режиме POST /v1/test/clock):
  - в 00:00 UTC дня выставления счёта лицевого счёта (1–28) — абонентская плата его активных номеров:
    тариф и каждая услуга с ежемесячной платой; период длится от одного такого дня до дня перед следующим
  - в конце каждого дня — трафик каждого активного номера по записям детализации за день, сверх
    остатка пакета тарифа: звонки 2,50 ₽ за начатую минуту, SMS 3,50 ₽, интернет 0,15 ₽ за начатый МБ;
    роуминг 49 ₽ за минуту и 15 ₽ за МБ, если тариф его не включает
  - разовые платы (смена тарифа, SIM, подключение) — когда их применяет операция, и откат тоже
    (это такое же изменение; vm ops rollback ID --dry-run покажет его платежи)
Каждое начисление записывается один раз (на номер, вид и период или день): перезапуск не спишет дважды.
Трафик появляется, когда день закрыт: детализация и начисления за сегодня будут завтра.

  vm balance              баланс, кредит, текущий период, начислено и прогноз до его конца
  vm limits set N --monthly 2000 --action block    при превышении за период: уведомить или
                          заблокировать операцией (причина limit_exceeded, видна в vm ops); раз в период
  vm limits set --for-group G --monthly 1500       лимит группы для её номеров без своего лимита
  vm alerts set N --metric spend --threshold 80% --of-limit   ниже лимита: раз в период на 80% от него —
                          уведомить (e-mail, SMS или только событие для вебхуков) или заблокировать
  vm alerts set --group G --metric data --value 5000 --period day   и интернет, минуты, SMS, и за день
  vm autopay set --account A --below 1000 --amount 5000   пополнение — раз при каждом пересечении порога
  vm detail N --period 2026-10 --csv              записи; --all — фоновый заказ
  vm report expenses|usage|limits|tariff-optimization ...  куда ушли деньги

Каждый лимит ещё отмечает 50, 80 и 100% событиями (limit.threshold_reached). Каждый порог считается
один раз за период при любых перезапусках и снова — в следующем периоде.
Детализация порождается из (seed, номер, день): у одной и той же компании одни и те же звонки везде.
Дни до первого запуска бэкенда — история: читаются, но не начисляются.
`,
};

const OUTPUT: Record<Lang, string> = {
  en: `What vm prints, in which formats, and what it changes in the values

stdout carries data only; messages, warnings and progress go to stderr.

Formats:
  (terminal)      a table with colour, dates and money as people read them; groups as a tree
  (pipe or file)  TSV: a header line of field names, then a line per row, fields separated by tabs
  --json          a JSON array of the API's objects as they are (an object for a single item)
  --jsonl         one JSON object a line, for streams (also --ndjson)
  --csv           CSV: RFC 4180, UTF-8, LF line ends; a field with , " or a line break is quoted
  --excel         CSV for Russian Excel: a BOM, ";" between fields, CRLF, money with a decimal comma
  --raw-csv       CSV with free text exactly as stored (see below)
  --xlsx FILE     an Excel workbook written to FILE, its cells typed (see below); stdout stays empty.
                  No other format flag with it (exit 2); vm detail and vm report also write one for
                  --output FILE.xlsx
  -o FORMAT       table, json, jsonl, csv or tsv; beats the flags above
  --fields a,b,c  these fields in this order; names are the API's (see --json); TSV/CSV without it
                  print all the command's columns, also those the table leaves out

Values:
  money   TSV/CSV: decimal rubles, 1234.50 (--excel: 1234,50); JSON: integer kopecks, 123450;
          table: RUB 1,234.50 (ru: 1 234,50 ₽)
  times   TSV/CSV/JSON: ISO 8601 in UTC, 2026-11-01T09:30:00Z; table: 2026-11-01 09:30 (UTC)
  lists   joined by "," (table: ", ");  yes/no: true/false;  no value: an empty field (table: —)

A workbook (--xlsx) holds what a spreadsheet needs, cell by cell:
  phone numbers, ICCIDs, ids, codes, free text: text cells, never numbers (CSV in a spreadsheet
          turns an ICCID into 8.97010259596146E+19 and drops the + of +79161234567) and never formulas
  money   a number of rubles in the format #,##0.00 "₽" (123450 kopecks: 1234.5)
  counts  numbers;  yes/no: TRUE/FALSE
  times   dates in UTC, shown as yyyy-mm-dd hh:mm:ss; the header says so: "time (UTC)"
  The header row holds the field names (as --fields takes them) and stays in view (frozen); column
  widths fit the header and the first rows. A sheet holds 1,000,000 rows: the next ones go to a new
  sheet, "numbers 2", with the header again. The file is written beside FILE and renamed when whole.

Free text opens safely in a spreadsheet:
  Names, e-mails, subjects, reasons and other text that people typed may hold anything. In CSV
  (--csv, --excel, -o csv, vm detail --csv) such a cell that starts with = + - @, a tab or a CR
  gets a ' in front: =HYPERLINK("http://x","y") is written '=HYPERLINK("http://x","y"), and a
  spreadsheet shows it as text instead of running it as a formula. Typed values are never
  changed: +79161234567, -150.00, ids, codes, counts and times stay as they are. A --fields name
  that is not one of the command's columns counts as free text. --raw-csv turns this off for
  programs that read CSV (on its own it means --csv). TSV, JSON and JSON lines never add it.

A table fits the terminal, cutting nothing:
  A typed value (a phone number, an id, a code, money, a time) is never shortened. Free text and
  lists wrap onto more lines (at spaces, commas and slashes). When even that is too wide, a command
  leaves out its least needed columns in a set order (vm numbers list: region, then account; a plan:
  the employee, then the one-time fee); TSV, CSV and JSON always have every column. A table that
  still does not fit is drawn wider than the terminal.

Control characters never reach the terminal:
  In the table, the tree, a single item, in messages and in TSV, control characters in a value are
  shown as escapes instead of acting on the terminal: tab, line break and CR as \\t \\n \\r, any
  other (ESC, BEL, bidi overrides such as U+202E) as \\u001b, \\u0007, \\u202e. So a value is one line
  and a TSV row one line; TSV also writes a backslash as \\\\, so a script can undo it exactly.
  JSON stays exact (it escapes \\u0000-\\u001f itself; read it with a JSON parser, not by eye).

Errors go to stderr as "vm: message". A run that prints JSON (--json, --jsonl, -o json) says its
error as one line of JSON instead, the API's error object with vm's words and exit code:
  {"error": {"code": "forbidden", "message": "Not allowed: ...", "exitCode": 5, "requestId": "req_..."}}
  codes: the API's (forbidden, not_found, validation_failed, ...) or vm's: invalid_input (with "rows",
  the first 50 bad rows of a file as source, line, value, reason, and "count"), usage, network, error.
  A command line vm cannot parse (an unknown flag) is still said as text.
Changes honour the format on every path: --no-wait and a scheduled change print the operation as
vm ops show does (--json: an object, or an array for several operations); without a format flag
the bare operation id, which scripts read. vm ops wait with a format flag prints the finished operation.

Examples:
  $ vm users list --csv > users.csv
  $ vm numbers list --excel --fields msisdn,employee,tariff > numbers.csv
  $ vm users list --raw-csv | ./import-users
  $ vm numbers list --xlsx numbers.xlsx
  $ vm detail --group drivers --period 2026-10 --xlsx drivers.xlsx
`,
  ru: `Что печатает vm, в каких форматах и что меняет в значениях

В stdout — только данные; сообщения, предупреждения и прогресс идут в stderr.

Форматы:
  (терминал)      таблица с цветом, даты и деньги в привычном виде; группы — деревом
  (канал, файл)   TSV: строка заголовка с именами полей, затем по строке на запись, поля через табуляцию
  --json          JSON-массив объектов API как есть (объект — для одной записи)
  --jsonl         по JSON-объекту в строке, для потоков (также --ndjson)
  --csv           CSV: RFC 4180, UTF-8, концы строк LF; поле с , " или переводом строки — в кавычках
  --excel         CSV для русского Excel: BOM, «;» между полями, CRLF, деньги с десятичной запятой
  --raw-csv       CSV со свободным текстом как он хранится (см. ниже)
  --xlsx ФАЙЛ     книга Excel в ФАЙЛ, ячейки с типами (см. ниже); stdout остаётся пустым. Другой флаг
                  формата с ним не задают (код 2); vm detail и vm report пишут книгу и для
                  --output ФАЙЛ.xlsx
  -o ФОРМАТ       table, json, jsonl, csv или tsv; важнее флагов выше
  --fields a,b,c  эти поля в этом порядке; имена — как в API (см. --json); TSV/CSV без него
                  печатают все колонки команды, и те, которых нет в таблице

Значения:
  деньги  TSV/CSV: рубли с дробной частью, 1234.50 (--excel: 1234,50); JSON: целые копейки, 123450;
          таблица: 1 234,50 ₽ (en: RUB 1,234.50)
  время   TSV/CSV/JSON: ISO 8601 в UTC, 2026-11-01T09:30:00Z; таблица: 2026-11-01 09:30 (UTC)
  списки  через «,» (в таблице «, »);  да/нет: true/false;  нет значения: пустое поле (в таблице —)

В книге (--xlsx) у каждой ячейки свой тип, как нужно электронной таблице:
  номера телефонов, ICCID, id, коды, свободный текст: текстовые ячейки, а не числа (CSV в таблице
          превращает ICCID в 8.97010259596146E+19 и теряет + у +79161234567) и никогда не формулы
  деньги  число рублей в формате #,##0.00 "₽" (123450 копеек — 1234,5)
  количества  числа;  да/нет: ИСТИНА/ЛОЖЬ
  время   даты в UTC, видны как yyyy-mm-dd hh:mm:ss; это сказано в заголовке: «time (время UTC)»
  В строке заголовка — имена полей (как их принимает --fields), она закреплена; ширина колонок — по
  заголовку и первым строкам. На листе 1 000 000 строк: следующие идут на новый лист «numbers 2» с
  тем же заголовком. Файл пишется рядом с ФАЙЛОМ и переименовывается, когда записан целиком.

Свободный текст безопасно открывается в таблицах:
  Имена, e-mail, темы, причины и другой текст, который набрали люди, может содержать что угодно.
  В CSV (--csv, --excel, -o csv, vm detail --csv) такая ячейка, начинающаяся с = + - @, табуляции
  или CR, получает ' в начале: =HYPERLINK("http://x","y") записывается как '=HYPERLINK("http://x","y"),
  и Excel или LibreOffice покажут её текстом, а не выполнят как формулу. Типизированные значения не
  меняются никогда: +79161234567, -150.00, id, коды, количества и время остаются как есть. Имя в
  --fields, которого нет среди колонок команды, считается свободным текстом. --raw-csv отключает
  это для программ, читающих CSV (сам по себе означает --csv). TSV, JSON и JSON lines его не добавляют.

Таблица умещается в терминал и ничего не обрезает:
  Типизированное значение (номер телефона, id, код, деньги, время) никогда не укорачивается.
  Свободный текст и списки переносятся на следующие строки (по пробелам, запятым и косым чертам). Если
  и так не умещается, команда убирает наименее нужные колонки в заданном порядке (vm numbers list:
  регион, затем лицевой счёт; план: сотрудник, затем разовый платёж); в TSV, CSV и JSON колонки есть
  всегда. Таблица, которая всё равно не умещается, рисуется шире терминала.

Управляющие символы не попадают в терминал:
  В таблице, дереве, карточке записи, сообщениях и в TSV управляющие символы в значении показываются
  экранированными, а не действуют на терминал: табуляция, перевод строки и CR — как \\t \\n \\r,
  остальные (ESC, BEL, смена направления текста вроде U+202E) — как \\u001b, \\u0007, \\u202e. Значение
  остаётся одной строкой, строка TSV — тоже; обратную косую черту TSV пишет как \\\\, чтобы скрипт мог
  точно вернуть исходное. JSON остаётся точным (\\u0000-\\u001f он экранирует сам; читайте его
  JSON-парсером, а не глазами).

Ошибки идут в stderr как «vm: сообщение». Если команда печатает JSON (--json, --jsonl, -o json), её
ошибка — одна строка JSON: объект ошибки API со словами vm и кодом завершения:
  {"error": {"code": "forbidden", "message": "Нет прав: ...", "exitCode": 5, "requestId": "req_..."}}
  коды: коды API (forbidden, not_found, validation_failed, ...) или vm: invalid_input (с "rows" —
  первыми 50 неверными строками файла: source, line, value, reason — и "count"), usage, network, error.
  Командную строку, которую vm не разобрал (неизвестный флаг), он по-прежнему описывает текстом.
Изменения соблюдают формат на любом пути: --no-wait и запланированное изменение печатают операцию,
как vm ops show (--json: объект или массив, если операций несколько); без флага формата — только id
операции, который читают скрипты. vm ops wait с флагом формата печатает завершившуюся операцию.

Примеры:
  $ vm users list --csv > users.csv
  $ vm numbers list --excel --fields msisdn,employee,tariff > numbers.csv
  $ vm users list --raw-csv | ./import-users
  $ vm numbers list --xlsx numbers.xlsx
  $ vm detail --group drivers --period 2026-10 --xlsx drivers.xlsx
`,
};

const EVENTS: Record<Lang, string> = {
  en: `Events: what happened, for scripts that react instead of polling

The backend records an event whenever something happens: an operation finished (with its counts),
numbers of an operation failed (one event per batch), a number was blocked, unblocked, moved to another
tariff, group or SIM, a limit was passed, a balance fell low, a payment came in, an appeal was answered,
a call detail request or a report job is ready, logins to a user failed twice in a row, a location
consent was given or withdrawn. vm events types lists the catalog; a type's name never changes.

Each event has an id (increasing), a time (the backend's clock), a type, a subject (a number, an operation
id, an account…), the group of the number it is about, and data. Events are kept 30 days.

Who sees what: events:read, scoped like numbers. A Sales manager sees the events of numbers in Sales
and of their own operations, reports and requests; a company-wide grant sees everything.

  $ vm events list --since 24h --type "operation.*"
  $ vm events list --after 1520 --jsonl          # what came after the last event a script saw
  $ vm events follow --type line.blocked,limit.* --jsonl
  $ vm numbers history +79161234567              # status, tariff, services, group changes

vm events follow prints events as they come (a line each on a terminal, TSV when piped, --jsonl for one
JSON object per line). When the connection drops or the backend restarts it reconnects from the last
event id it saw, so no event is lost or printed twice. Ctrl-C ends it with exit 130 and says the id to go
on from (vm events follow --after ID). The backend ends the stream when the token or session that opened
it ends (exit 4).

Over HTTP: GET /v1/events (paged, ?type=&number=&since=&after=), GET /v1/events/stream (Server-Sent
Events; resume with the Last-Event-ID header), GET /v1/events/types.
`,
  ru: `События: что произошло — для скриптов, которые реагируют, а не опрашивают

Сервер записывает событие, когда что-то происходит: операция завершилась (со счётчиками), номера
операции не изменились (одно событие на пачку), номер заблокирован, разблокирован, переведён на другой
тариф, в другую группу или на другую SIM, превышен лимит, баланс опустился низко, пришёл платёж, оператор
ответил на обращение, готов запрос детализации или фоновый отчёт, вход пользователя дважды подряд не
удался, согласие на определение местоположения дано или отозвано. Каталог — vm events types; имя типа
никогда не меняется.

У события есть id (возрастает), время (по часам сервера), тип, предмет (номер, id операции, счёт…),
группа номера, о котором оно, и данные. События хранятся 30 дней.

Кто что видит: право events:read с той же областью, что у номеров. Менеджер продаж видит события номеров
группы «Продажи» и своих операций, отчётов и запросов; право на всю компанию видит всё.

  $ vm events list --since 24h --type "operation.*"
  $ vm events list --after 1520 --jsonl          # что было после последнего события, которое видел скрипт
  $ vm events follow --type line.blocked,limit.* --jsonl
  $ vm numbers history +79161234567              # смены статуса, тарифа, услуг, группы

vm events follow печатает события по мере появления (на терминале по строке, в конвейер TSV, --jsonl —
объект JSON в строке). При обрыве связи или перезапуске сервера подключается снова с последнего
увиденного id: ни одно событие не теряется и не печатается дважды. Ctrl-C завершает его с кодом 130 и
называет id, с которого продолжить (vm events follow --after ID). Сервер закрывает поток, когда
кончается токен или сеанс, которым он открыт (код 4).

По HTTP: GET /v1/events (постранично, ?type=&number=&since=&after=), GET /v1/events/stream (Server-Sent
Events; продолжение по заголовку Last-Event-ID), GET /v1/events/types.
`,
};

const WEBHOOKS: Record<Lang, string> = {
  en: `Webhooks: the backend POSTs events to your URL as they happen

  $ vm webhooks create --url https://hooks.example.com/vm --events 'operation.finished,limit.*'
prints the signing secret once (whsec_ and base64); keep it where your receiver reads it, or give your
own with --secret-stdin. Needs webhooks:admin.

What is sent
  A POST to the URL per event, with these headers (the Standard Webhooks specification,
  www.standardwebhooks.com, whose libraries verify them):
    content-type       application/json
    user-agent         vm-webhooks/VERSION
    webhook-id         msg_… the same on every attempt of a delivery: deduplicate by it
    webhook-timestamp  unix seconds of the attempt, by the sending machine's clock
    webhook-signature  v1,BASE64 the HMAC-SHA256 of "ID.TIMESTAMP.BODY", keyed with the secret's bytes
  and the body {"type": "operation.finished", "timestamp": "2026-11-02T10:00:00.000Z", "data": EVENT},
  EVENT being the event as GET /v1/events shows it (id, time, type, subject, groupId, data).

Which events
  Those of the types given (exact, a family like limit.*, or * for all) that the subscription's creator
  may see now: events in the groups of their events:read grants and about their own operations,
  reports and requests; all of them with a company-wide grant. A subscription starts with the next
  event. The rights are checked again before each attempt: an event outside the creator's scope by
  then is skipped, not sent.

Order, retries, at least once
  One delivery at a time per subscription, oldest first: a receiver sees a subscription's events in
  order, and a delivery that fails holds the later ones of that subscription (not the others').
  An answer 2xx within 10 s delivers it (redirects are not followed; answers are read up to 4 KB).
  Otherwise it is tried again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (8 attempts over about
  27.6 hours, by the backend's clock), then it is failed; vm webhooks redeliver ID queues it again.
  A delivery being sent when the backend stopped is sent again once it runs: a receiver may get one
  twice, and keeps the webhook-ids it has seen. vm webhooks deliveries ID lists every attempt.

Paused
  When the creator is disabled or loses webhooks:admin, or the API token the subscription was made
  with is revoked, it pauses: audited (webhooks.pause) and told as the event webhook.paused. Nothing is
  sent while paused, and the events of the pause never are. vm webhooks resume ID, once the creator
  may again, sends the deliveries queued before the pause.

Which URLs
  https; http only to this machine (localhost, 127.0.0.0/8, ::1). No user:password@ in the URL.
  A host that resolves to a private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), link-local
  (169.254/16 with the cloud metadata address 169.254.169.254, fe80::/10), unspecified (0.0.0.0, ::),
  multicast or reserved address is refused when the webhook is created, and again on every connection
  (a name that resolves elsewhere later, DNS rebinding, is still refused). Why: a webhook must not let a
  user make the operator's servers call addresses inside their own network (server-side request
  forgery). vm backend start --allow-private-webhooks allows them, for a closed network.

Verifying a delivery
  $ vm webhooks verify --secret-stdin --file delivery.http < secret.txt
  delivery.http is the request as your receiver saved it: the header lines, a blank line, the body (or
  JSON {"headers": {...}, "body": "..."}). Exit 0 and the body on stdout when it is genuine; exit 1
  with the reason when not: a bad signature, a timestamp more than --tolerance seconds (300) from now,
  a missing header. The secret may also come from VM_WEBHOOK_SECRET.
  With openssl (ID, TS and SIG the three header values, SECRET yours, body.json the exact body):
  $ key=$(printf '%s' "\${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \\n')
  $ { printf '%s.%s.' "$ID" "$TS"; cat body.json; } | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64
  The result must equal the part after "v1," of SIG, and TS must be within 5 minutes of now. In Node:
  $ node -e 'const c=require("crypto"),[id,ts,sig]=process.argv.slice(1),k=Buffer.from(process.env.SECRET.slice(6),"base64"),b=require("fs").readFileSync(0);console.log(sig.split(" ").includes("v1,"+c.createHmac("sha256",k).update(id+"."+ts+".").update(b).digest("base64"))&&Math.abs(Date.now()/1000-ts)<300)' "$ID" "$TS" "$SIG" < body.json
`,
  ru: `Вебхуки: бэкенд отправляет события POST-запросом на ваш адрес по мере того, как они происходят

  $ vm webhooks create --url https://hooks.example.com/vm --events 'operation.finished,limit.*'
печатает секрет подписи один раз (whsec_ и base64); сохраните его там, где его читает получатель, или
передайте свой через --secret-stdin. Нужно право webhooks:admin.

Что отправляется
  POST на адрес для каждого события, с такими заголовками (по спецификации Standard Webhooks,
  www.standardwebhooks.com, её библиотеки умеют их проверять):
    content-type       application/json
    user-agent         vm-webhooks/ВЕРСИЯ
    webhook-id         msg_… одинаков во всех попытках доставки: по нему отбрасывают повторы
    webhook-timestamp  секунды unix попытки, по часам отправляющей машины
    webhook-signature  v1,BASE64 — HMAC-SHA256 от «ID.TIMESTAMP.BODY» на байтах секрета
  и тело {"type": "operation.finished", "timestamp": "2026-11-02T10:00:00.000Z", "data": СОБЫТИЕ},
  где СОБЫТИЕ — событие в том виде, как его показывает GET /v1/events (id, time, type, subject,
  groupId, data).

Какие события
  Заданных типов (точный тип, семейство вроде limit.* или * — все), которые автор подписки может
  видеть сейчас: события в группах его прав events:read и о его собственных операциях, отчётах и
  заказах; с правом на всю компанию — все. Подписка начинается со следующего события. Права
  проверяются заново перед каждой попыткой: событие, которое к тому времени вне области автора,
  пропускается и не отправляется.

Порядок, повторы, «хотя бы один раз»
  По одной доставке за раз на подписку, старые первыми: получатель видит события подписки по порядку,
  а неудавшаяся доставка задерживает следующие доставки этой подписки (но не других).
  Ответ 2xx за 10 с — доставлено (переадресации не выполняются; ответ читается не дальше 4 КБ).
  Иначе повтор через 5 с, 5 мин, 30 мин, 2 ч, 5 ч, 10 ч и 10 ч (8 попыток примерно за 27,6 часа, по
  часам бэкенда), затем доставка неудачна; vm webhooks redeliver ID ставит её в очередь снова.
  Доставка, которая отправлялась в момент остановки бэкенда, уходит снова после запуска: получатель
  может получить её дважды и поэтому помнит увиденные webhook-id. Все попытки — vm webhooks deliveries ID.

Приостановка
  Когда автора отключают, он теряет webhooks:admin или отзывается API-токен, которым создана подписка,
  она приостанавливается: это пишется в аудит (webhooks.pause) и становится событием webhook.paused.
  Пока подписка приостановлена, ничего не отправляется, а события этого времени не отправятся никогда.
  vm webhooks resume ID, когда автору снова можно, отправит доставки, стоявшие в очереди до паузы.

Какие адреса
  https; http — только на эту же машину (localhost, 127.0.0.0/8, ::1). Без user:password@ в адресе.
  Имя, которое разрешается в частный (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), link-local
  (169.254/16 с адресом метаданных облака 169.254.169.254, fe80::/10), неуказанный (0.0.0.0, ::),
  групповой или зарезервированный адрес, отклоняется при создании вебхука и снова при каждом
  соединении (имя, которое потом разрешается иначе, — подмена DNS, — всё равно отклоняется). Зачем:
  вебхук не должен позволять пользователю заставить серверы оператора обращаться к адресам их
  собственной сети (подделка серверных запросов, SSRF). vm backend start --allow-private-webhooks
  разрешает такие адреса — для закрытой сети.

Проверка доставки
  $ vm webhooks verify --secret-stdin --file delivery.http < secret.txt
  delivery.http — запрос в том виде, как его сохранил получатель: строки заголовков, пустая строка,
  тело (или JSON {"headers": {...}, "body": "..."}). Код 0 и тело в stdout, если доставка подлинная;
  код 1 и причина, если нет: неверная подпись, метка времени дальше --tolerance секунд (300) от
  текущего времени, нет заголовка. Секрет можно передать и в VM_WEBHOOK_SECRET.
  С openssl (ID, TS и SIG — значения трёх заголовков, SECRET — ваш секрет, body.json — тело как есть):
  $ key=$(printf '%s' "\${SECRET#whsec_}" | base64 -d | od -An -tx1 | tr -d ' \\n')
  $ { printf '%s.%s.' "$ID" "$TS"; cat body.json; } | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary | base64
  Результат должен совпасть с частью SIG после «v1,», а TS — отличаться от текущего времени не больше
  чем на 5 минут. На Node:
  $ node -e 'const c=require("crypto"),[id,ts,sig]=process.argv.slice(1),k=Buffer.from(process.env.SECRET.slice(6),"base64"),b=require("fs").readFileSync(0);console.log(sig.split(" ").includes("v1,"+c.createHmac("sha256",k).update(id+"."+ts+".").update(b).digest("base64"))&&Math.abs(Date.now()/1000-ts)<300)' "$ID" "$TS" "$SIG" < body.json
`,
};

/** The text of a help topic in a language. */
export function helpTopic(name: HelpTopic, lang: Lang): string {
  return {
    environment: ENVIRONMENT,
    'exit-codes': EXIT_CODES,
    targets: TARGETS,
    billing: BILLING,
    output: OUTPUT,
    events: EVENTS,
    webhooks: WEBHOOKS,
  }[name][lang];
}
