"""Reads a normalised paste and pulls out what a diagnosis stands on.

Error codes in every form people write them (``APIG.0201``, ``apig 0201``, ``MR0105``,
``ModelArts_4206``, ``APIGW.0301``, ``InferHub.ModelArts.81111.429``), whether each sits inside an
error body, the HTTP status and error message nearest to it (JSON, escaped JSON, the Python dict
an SDK prints, SSE ``data:`` frames), request ids, prediction URLs and MaaS endpoints (host,
region, service id, custom path), exception names, and three signals: is the paste visibly about
ModelArts, is it visibly about some other system, and which call route (classic or MaaS) it came by. Every pattern is linear: no nested quantifiers, bounded
repeats, so a hostile paste costs time in proportion to its (capped) length.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import re2
from rapidfuzz.distance import DamerauLevenshtein

from bot.textnorm import normalize
from bot.vocabulary import (
    DENIED,
    MANAGEMENT_CODES,
    PREFIX_SPELLINGS,
    SUCCESS_CODES,
    Layer,
    Route,
    Surface,
    canonical_prefix,
    family_of,
    plausible_number,
)

MAX_CODE_HITS = 200
MAX_BARE_ASKED = 6
"""Checks per paste of the words beside a bare number against its playbook (a log of numbers must not cost a fuzzy
match each); a number no playbook has costs none."""
MAX_BARE_DESCRIBED = 1
"""Of those, how many may also be checked as a description (a search of the whole knowledge base each)."""
Says = Callable[[str, str, bool], "bool | None"]
"""``says(code, words, described)``: do ``words`` say what ``code`` means (its playbook's own message, or, with
``described``, a description that fits it best)? None when no playbook has that code. The knowledge base
answers; extraction itself knows no playbook."""
MAX_DURATIONS = 50
"""Longest durations kept (a log's slowest calls are the ones that failed)."""
LINE_REACH = 600

_CODE = re.compile(
    rf"(?<![A-Za-z0-9_])(?:(?P<prefix>{PREFIX_SPELLINGS})|(?P<typo>[A-Za-z][A-Za-z01|]{{2,9}}))"
    r"(?P<sep>[._ ,-]?)(?P<num>E[0-9Oo]{5}|[0-9OoIlS|]{4,6})(?![0-9])"
    r"(?:\.(?P<wrapped>[1-5]\d\d)(?![\w]|\.\w))?",
    re.IGNORECASE,
)
"""A code in any written form; ``wrapped`` is the status a wrapper appends (``InferHub.ModelArts.81111.429``)."""
_BARE_MAAS = re.compile(r"(?<![A-Za-z0-9_.])81[01]\d\d(?![A-Za-z0-9_]|\.\w)")
_BARE_BEFORE = re.compile(
    r"(?i)(?:maas|code|error|errors|returns?|returned|got|gets?|says?|said|saying|giv(?:es|ing)|throw(?:s|ing)|seeing"
    r"|错误码?|(?:报|返回)的?是|报|返回|(?<![\w.])[45]\d\d(?: with| ?->| ?→)?|(?<![\d.]\s)(?<![\d.])(?:→|->|=>)|[\"'“]|^|\n)\W{0,3}$"
)
"""A MaaS gateway code written without its prefix (read only in a paste about MaaS, after words that say a code
follows: ``MaaS 81010``, ``returns 81111``, ``403 with 81004``, an arrow from a call, in quotes, or opening its line; an arrow
from another number maps codes, ``4905 -> 81003``)."""
_BARE_AFTER = re.compile(
    r"(?i)\s?(?:from (?:the )?maas\b|[がをはで]?\s?(?:返って|返り|返る|返され|出[まてた]|発生|でした|エラー|と言われ))"
)
"""Words after a bare MaaS number that report it: "81013 from MaaS", "81003 が返ってきました", "81003 でした"."""
_BARE_COUNTED = re.compile(
    r"(?i)\s?(?:[.,]\d|[kmw万千百亿元円%]|(?:st|nd|rd|th)\b|\s?(?:thousand|million|tokens?(?! per minute)|requests?|calls?"
    r"|docs?|documents?|rows?|messages?|samples?|visitors?|points?|users?|records?|items?|pages?|lines?|bytes?|ms\b"
    r"|times?|次|个|條|条|人|件|字|行|篇|张|名|号|円|元|位))"
)
"""What makes a bare number a quantity, not a code: a unit or a counted noun after it ("81003 tokens", "81101 次")."""
_BARE_NAMED = re.compile(
    r"(?i)(?:#|\b(?:no|nr|number|order|orders|ticket|tickets|pr|build|invoice|id|issue|jira|employee|room|version|v"
    r"|release|job|batch|run|case|contract|po|sku|port|pid|ext|scored?|hit|did|served|processed|had|lag|of)\b\.?"
    r"|\d{4}\s?(?:->|→|=>)|工号|第|订单|合同|单号|编号|チケット|注文)\W{0,2}$"
)
"""What makes a bare number an identifier or a tally, not a code: "order 81003", "PR #81015", "工号 81003",
"we served 81101", "scored 81101"; or the far side of a mapping, "4905 -> 81003"."""
_BARE_NUMBER = re.compile(r"(?<![A-Za-z0-9_.#/:@$-])[0-9]{4}(?![A-Za-z0-9_%:/-]|\.\w)")
"""Four digits on their own: a classic code's number when words beside it say that code's message."""
_OCR_LETTERS = str.maketrans("1i|05", "lllos")
"""What OCR and look-alike letters make of a word: ``AP1G``, ``APIG`` and ``APlG`` all read ``aplg``."""
_OCR_DIGITS = str.maketrans("OoIl|S", "001115")
"""Letters OCR puts where a code's digits were: ``MR.O1O5`` -> ``MR.0105``."""
_APIG_TYPOS = frozenset(w[:i] + w[i + 1] + w[i] + w[i + 2 :] for w in ("aplg", "aplgw") for i in range(len(w) - 1)) | {
    "aplg",
    "aplgw",
}
_IN_BODY = re.compile(r"(?:error_code|errno|erno|code)[^\w,.;]{0,8}(?:InferHub\.)?$", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.:/+-])[1-5]\d\d(?=s\b|(?![A-Za-z0-9_:/]|\.\d))")
"""A three-digit number standing alone: Chinese characters may touch it (``返回403，``), a plural may follow (``401s``)."""
_STATUS_BEFORE = re.compile(
    r"(?:HTTP/\d(?:\.\d)?\s{1,4}|\bHTTP\s{1,4}|\bstatus(?:[ _]?code)?\W{0,4}|\bhttp_code\W{0,3}"
    r"|\b(?:API )?error code:?\s{1,3}|\bAPI Error:?\s{1,3}|状态码\s{0,3}[:=]?\s{0,3}|->\s{0,3}|→\s{0,3}|\b(?:returns?|returned|returning|gets?|got|getting|answers?|answered|responds?|responded|came back|comes? back|gives?|giving|reports?|reported|throws?|threw|hit|hits|hitting)\s{1,3}(?:with\s{1,2})?(?:an?\s{1,2}|http\s{1,2})?|\bwith\s{1,2}an?\s{1,2}|\bfail(?:s|ed|ing)?\s{1,3}with\s{1,2}(?:an?\s{1,2})?|\b(?:is|was)\s{1,2}an?\s{1,2}|返回\s{0,2}|(?:报|出现|大量|都是|全是|一直是?)\s{0,2}|\bfailed\s{1,3}\(?|\bsaid\s{1,3}"
    r"|\bupstream\s{1,3}|\d\s?(?:s|ms|秒)[ \t,，:]{1,3})$",
    re.IGNORECASE,
)
_STATUS_JUST_BEFORE = re.compile(r"(?<![A-Za-z0-9_.])([45]\d\d)[ \t]{1,3}$")
_LINE_START = re.compile(r"\n[ \t(\[]{0,3}$")
_ASKS_STATUS = re.compile(r"(?i)status|http_code|状态码")
"""A line that asks for the status (``r.status_code``, curl's ``-w '%{http_code}'``): the number opening the next
line answers it."""
_STATUS_AFTER = re.compile(
    r"\s{1,4}(?:Client Error|Server Error|Unauthorized|Forbidden|Not Found|Bad Request|Too Many Requests"
    r"|Gateway Time-?out|Request Entity Too Large|Method Not Allowed|Internal Server Error|Bad Gateway"
    r"|Service Unavailable|Request Timeout|Proxy Authentication Required|Payload Too Large|URI Too Long|Not Allowed)"
    r"|[ ,:-]{0,4}[{\[]",
    re.IGNORECASE,
)
_MESSAGE = re.compile(
    r"""(?:error_msg|\bmsg|\bmessage)\\?["']?\s{0,3}[:=]\s{0,3}"""
    r"""(?:\\?"(?P<dq>[^"\\\n]{1,400})|'(?P<sq>[^'\\\n]{1,400})|(?<==)(?P<bare>[A-Za-z][^\s,;"'\\]{0,80}))""",
    re.IGNORECASE,
)
"""``error_msg``, ``msg`` or ``message`` with its text, in JSON, escaped JSON or a Python dict repr."""
_REQUEST_ID = re2.compile(r"(?i)(?:request[_-]?id|x-request-id)\W{1,6}(?P<id>[0-9a-f]{32})\b")
_URL = re.compile(r"""https?://(?P<host>[A-Za-z0-9.-]{1,253})(?::\d{1,5})?(?P<path>/[^\s"'<>|`)\]]{0,2000})?""")
_APIG_REGION = re.compile(r"\.apig\.(?P<region>[a-z]{2}-[a-z]{2,12}-\d{1,2})\.")
_HOST_REGION = re.compile(r"(?:^|[.-])(?P<region>(?:cn|ap|af|la|me|na|sa|eu|tr|ru)-[a-z]{2,12}-\d{1,2})[.-]")
_CONSOLE_REGION = re.compile(r"[?&]region=([a-z]{2}-[a-z]{2,12}-\d{1,2})")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_INFER_PATH = re.compile(r"^/v(?P<ver>[12])/infers/(?P<sid>[0-9a-fA-F-]{36})(?P<rest>/[^?#]*)?")
_MAAS_API = re.compile(r"^/(?:(?:plan|openai)/)?(?P<ver>v[12])(?P<rest>/[^?#]*)?")
_EXCEPTION = re2.compile(
    r"\b(?:[A-Z][A-Za-z]{1,40}(?:Error|Exception|Timeout)|E(?:CONN[A-Z]{3,8}|SOCKETTIMEDOUT|TIMEDOUT|NOTFOUND|AI_AGAIN)"
    r"|[A-Z]{2,12}(?:_[A-Z]{2,12}){2,5})\b"
)
_WORDS = re.compile(r"[a-z0-9]+")
_CONTEXT_WORDS = frozenset({"modelarts", "apig", "huaweicloud", "huaweicloudapis", "infers", "appcode", "erno", "maas"})
_CONTEXT_PHRASES = (
    "modelarts", "model arts", "huawei cloud", "x-auth-token", "x-apig-appcode", "customize_service", "real-time service", "realtime service", "real time service", "real-time svc", "realtime svc", "words_result",
    "usage guide", "在线服务", "推理服务", "华为云", "调用指南", "批量服务",
    "huawei gateway", "huawei api", "huawei endpoint", "huawei's gateway", "リアルタイムサービス", "推論サービス", "推論url", "推論api", "推論エンドポイント", "モデルアーツ",
    # ModelArts's own inference base classes (model_service.pytorch_model_service...)
    "model_service.",
    # Huawei Cloud's own region ids (ap-southeast-1 and the like are other clouds' too)
    "cn-north-4", "cn-north-9", "cn-east-3", "cn-east-4", "cn-southwest-2", "cn-south-1", "la-south-2", "la-north-2",
    "sa-brazil-1", "tr-west-1", "me-east-1",
    *(f"{a} {b}" for a in ("prediction", "inference", "infer") for b in ("url", "address", "api", "tab")),
)  # fmt: skip
_FOREIGN_WORDS = frozenset(
    {"aws", "amazonaws", "botocore", "boto3", "sagemaker", "lambda", "azure", "gcloud", "googleapis", "gcp",
     "kubectl", "kubelet", "k8s", "pod", "pods", "nginx", "mysql", "postgres", "postgresql", "psycopg2", "redis",
     "kafka", "mongo", "mongodb", "mongoservererror", "elasticsearch", "git", "github", "jenkins", "aliyun",
     "apigee", "dashscope", "qianfan", "volces", "volcengine", "bigmodel", "zhipuai", "moonshot", "deepseek"}
)  # fmt: skip
_FOREIGN_PHRASES = ("npm err", "microsoft.", "google.api", "阿里云", "ora-0", "ora-1", "ora-2", "api.openai.com",
                    "openai.azure.com", "x-amzn", "x-amz-", "火山方舟", "volcengine")  # fmt: skip
_OTHER_COMPONENT = _FOREIGN_WORDS | {"ldap", "smtp", "s3", "jvm", "cassandra", "rabbitmq", "zookeeper", "consul", "gpt",
                                     "claude", "gemini", "anthropic", "localhost"}  # fmt: skip
"""Systems a log line may come from that are not ModelArts (other providers' models among them)."""
_OTHER_PROVIDER = re.compile(
    r"(?:https?://|host: ?)[\w.-]*\b(?:aliyuncs\.com|azure\.com|openai\.com|amazonaws\.com|googleapis\.com"
    r"|anthropic\.com|baidubce\.com|volces\.com|tencentcloudapi\.com|bigmodel\.cn|deepseek\.com|moonshot\.cn)\b"
)
"""A request to another provider's model or gateway host (DashScope, Azure OpenAI, Bedrock...)."""
_HUAWEI_HOST = re.compile(r"huaweicloud|modelarts")
_FOREIGN_URL = re.compile(
    r"https?://(?![\w.-]{0,200}(?:huaweicloud|modelarts|\.apig\.))[\w.-]{1,253}[^\s\"'<>]{0,2000}"
)
"""A URL to somewhere else than Huawei Cloud: its words say nothing about ModelArts."""
_NOT_MODELARTS = re2.compile(
    r"\(not modelarts\)|\bnot (?:on |from |in |a |via |through )?(?:modelarts|maas|huawei)(?:[^\w.]|\.(?:\D|$)|$)"
    r"|nothing to do with modelarts"
    r"|no modelarts involved|没用华为云|没有用华为云|[和跟与]\s?(?:华为云|modelarts|maas)\s?(?:无关|没关系|没有关系)|纯本地|(?:^|[^是])不是华为云|\bcloud\.ru\b|\bsbercloud\b"
    r"|不是\s?modelarts(?:[^\w.]|\.(?:\D|$)|$)"
)
"""A paste that says it is not about ModelArts is not made about it by naming it ("not ModelArts.4206" denies a code,
not ModelArts)."""
_MAAS_WORDS = frozenset({"maas", "inferhub", "span_id"})
_MAAS_PHRASES = ("modelarts studio", "x-span-id", "预置服务", "内置服务")
_LLM_CALL_WORDS = _MAAS_WORDS | {"completions", "bearer", "apikey", "deepseek", "qwen", "qwen3", "kimi", "glm", "llm",
                                  "rpm", "tpm"}  # fmt: skip
_LLM_CALL_PHRASES = (*_MAAS_PHRASES, "api key", "api-key", "tokens per minute", "大模型")
"""MaaS's own words and the signs of a call to an LLM (the endpoint, the key, a model MaaS serves): with them a bare
81xxx reads as MaaS's."""
_CLASSIC_WORDS = frozenset({"erno", "appcode", "infers"})
_CLASSIC_PHRASES = ("x-auth-token", "x-apig-appcode", "customize_service", "words_result", ".apig.", "inference 2.0",
                    "inference-2.0", "推理2.0", "推理 2.0", "新版推理")  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90, "二十": 20, "三十": 30,
         "四十": 40, "五十": 50, "六十": 60, "a minute": 60, "一分钟": 60}  # fmt: skip
_DURATION = re.compile(
    r"(?P<min>\d{1,3})m(?P<minsec>\d{1,2}(?:\.\d{1,3})?)s\b"
    r'|(?:"(?:wait|time|receive)"\s{0,2}:|_ms["\']?\s{0,2}[:=])\s{0,2}(?P<har>\d{1,7}(?:\.\d{1,6})?)'
    r"|(?:request|response)_time\W{1,3}(?P<secs>\d{1,5}\.\d{1,6})"
    r"|_seconds(?:_bucket|_sum|_count)?\b[^=\n]{0,80}=\s{0,2}(?P<metric>\d{1,5}(?:\.\d{1,6})?)"
    r"|(?P<word>(?:twenty|thirty|forty|fifty|sixty|ninety)(?=[\s-]{0,2}(?:seconds?|secs?|s)\b)|a minute|[二三四五六]十(?=多?秒)|一分钟)"
    r"|(?<![A-Za-z0-9_.])(?P<value>\d{1,7}(?:\.\d{1,4})?)\s?(?P<unit>ms|milliseconds|毫秒|s|secs?|seconds?|秒)(?![a-z])"
)
_FAILURE = re2.compile(
    r"time[ds]?[ -]?out|timeout|fail|error|exception|refused|reset|abort|cancel|drop|cut off|\bdie[sd]?\b|"
    r"no (?:response|body|answer)|empty (?:response|body|reply)|超时|断开|断了|就断|必断|中断|失败|报错|异常|错误"
    r"|(?:empty|空的|返回)\s{0,3}50[234]\b|\(\s?[45]\d\d\s?\)|\breject|\brefus|\bturn\w* away|\bwon'?t\b|\bcan'?t\b|cannot|unable"
    r"|\bnot work|n't work|\b(?:do|does|did|is|are|was|were|wo|ca)nt work|stop(?:s|ped)? working|no longer works?|broken|denied|invalid|illegal|exceed|too (?:large|big|many|long)|expired|not authori[sz]ed"
    r"|过大|太大|过多|太多|过长|太长|超限|超出|used up|r[au]n out|exhausted|用完|用尽|耗尽"
    r"|unauthori[sz]ed|forbidden|no (?:access|permission)|rate.?limit|throttl|bounce|choke|没有(?:访问)?权限|无权|被拒|限流"
    r"|complain|\bfiring\b|\balarm\b|\bstuck\b|restart(?:s|ed|ing)|crash|\boom\b|back-?off|\bhang(?:s|ing)?\b|\bhung\b"
    r"|\b(?:gives?|gave|giving) up\b|タイムアウト|エラー|失敗"
    r"|告警|重启|卡在|一直|部署中|报\s{0,2}[A-Za-z0-9\"'“「]|[跑调连用打访起]不(?:起来|通|上|了|开)|\W?deploying\W{0,2} (?:for|since|long)|sitting in|never (?:becomes|turns|gets|reaches|leaves)|still (?:deploying|starting|pending)"
)
_NEGATED = re.compile(r"(?:\bno|\bwithout|\bzero|\b0|没有|无|未)\W{0,2}(?:\w+\W{1,2})?$")
"""Words before a failure word that take it back: "no errors", "without a failure", "没有报错"."""
_QUOTE_DEPTH = re.compile(r"(?:[ \t]{0,3}>)*")
_QUOTED = re.compile(
    r'"([^"\n]{4,200})"|“([^”\n]{4,200})”|「([^」\n]{4,200})」|‘([^’\n]{4,200})’'
    r"|(?<![\w'])'([^'\n]{4,200})'(?![\w'])"  # single quotes that open and close a phrase, not "it's" or "users'"
)
_SUCCESS = re.compile(r"(?i)(?:succeeded|success(?:ful(?:ly)?)?|ok|成功)\W{0,3}$")
"""A code whose message says it worked (``MR.0100`` ``Succeeded``) is a result, not an error."""
_SUCCEEDED_AFTER = re.compile(r"(?i)\W{0,3}(?:succeeded|successful(?:ly)?|成功)\b")
_ALERT = re2.compile(
    r"(?i)(?P<resolved>\[resolved\]|\bresolved\b|✅|已恢复|告警恢复|恢复正常|已解决)"
    r"|\[firing(?::\d+)?\]|\bfiring\b|\[alerting\]|\[?triggered\]?|🔥|告警中|触发告警|告警触发"
)
"""Alert headers; a code under a resolved one is history, under a firing one it is the news."""
ALERT_REACH = 1500
_HOP_NAMES = {
    Layer.APIG: re.compile(
        r"(?<!maas )(?<!bad )(?<![a-z0-9])(?:api[ -]?)?gateway(?![a-z0-9])(?![ -](?:forwarding|time-?out|timeout))"
        r"|(?<![a-z0-9])apig(?![a-z0-9])"
        r"|(?<!maas)(?<!maas )网关(?!转发|超时)"
    ),
    Layer.DISPATCHER: re.compile(r"(?<![a-z0-9])dispatcher(?![a-z0-9])|modelarts itself|调度"),
}
"""How people name the hop that answered: "the gateway says...", "the dispatcher answers...", "网关提示", "不是APIG"
(ASCII word edges: a name glued to Chinese text is still a name)."""
_HOP_WORDS = {Layer.APIG: ("gateway", "apig", "网关"), Layer.DISPATCHER: ("dispatcher", "modelarts itself", "调度")}
"""A word each hop's name has: its pattern is only run over a paste that has one (a plain substring test)."""
LOG_STAMP = re.compile(r"(?m)^\W{0,2}\d{4}-\d\d-\d\d[ T]\d\d:\d\d")
"""A timestamped log line's start."""
LOG_LINES = 10
"""Timestamped lines from which a paste is a log of many components."""
LOG_SCAN = 200_000
_QUIET_LOG_LINE = re2.compile(r"(?im)^\W{0,2}\d{4}-\d\d-\d\d[ t]\d\d:\d\d\S*\s+(?:\S+\s+)?(?:info|debug|trace)\b.*$")
"""A timestamped log line at a routine level: what else the program does, not the error."""
_MANAGEMENT_ADDRESS = re.compile(r"\bmodelarts\.[a-z]{2}-[a-z]+-\d{1,2}\.myhuaweicloud\.com/v[12]/")
"""The address of the ModelArts management API (training jobs, datasets, notebooks...): predictions go to the
gateway's and MaaS's addresses."""
_NOT_INFERENCE = re.compile(r"\bnot (?:an? |the |our )?(?:inference|prediction|model|modelarts)\b")
"""A paste saying its call was not a model call ("calling the IAM API, not the model")."""
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
_OTHER_SERVICE = re.compile(
    r"(?<![\w-])(?!modelarts|iam\.|swr\.|[\w.-]{0,80}(?:apig|infer|maas))(?P<host>[a-z][a-z-]{1,20})\."
    r"(?:[a-z]{2}-[a-z]{2,12}-\d{1,2}\.)?myhuaweicloud\.com|\b(?P<api>(?:ecs|evs|vpc|elb|rds|cce|dcs|swr|smn|dns|obs|iam) "
    r"(?:[a-z]+){0,1}(?:list|create|delete|show|update|batch|publish)[a-z]{0,40})\b|\b(?P<sdk>obsexception|obsutil|obsclient|huaweicloudsdkmodelarts)\b"
    r"|\b(?P<code>(?:iam|ecs|evs|vpc|obs|smn|cce|rds|dcs|swr|elb|ces|frs|sis|nlp|dns)\.\d{4})\b"
    r"|\b(?P<own>(?:our|my) (?:own |internal )?(?:[a-z-]+ )?api (?:published )?(?:on|behind) (?:a |the )?(?:huawei cloud )?"
    r"(?:api gateway|apig)|published (?:[a-z-]+ ){0,3}on (?:huawei cloud )?(?:api gateway|apig))|自己发布的 ?api"
    r"|\b(?P<named>(?:ecs|evs|vpc|elb|rds|cce|dcs|swr|smn|sis|ocr|nlp|cloud eye|ces|image recognition|image tagging"
    r"|imagesearch|image search|speech interaction service|face recognition(?: service)?)(?: \([^)]{1,40}\))?"
    r"(?: [a-z-]{2,20}){0,2}(?: \([^)]{1,40}\))? (?:api|sdk|call|publish)\b)|(?:识别|ocr|sis|cce|ecs|obs)\S{0,6}(?:接口|api)|短信服务|语音交互"
)
"""Another Huawei Cloud service being called: its own address (``ecs.cn-south-1.myhuaweicloud.com``, a bucket's
``data.obs.cn-north-4.myhuaweicloud.com``; not IAM's,
where every ModelArts caller gets its token, nor SWR's, where a service's image lives), one of its API operations
(``ECS ListServersDetails``), its own error codes (``IAM.0003``), its SDK and tools (``ObsException``, ``obsutil``), or
its API by name."""
_OPENS_AS_ARTEFACT = re.compile(
    r"\W{0,3}(?:(?:[a-z_]+[ /]){0,2}?(?:commit [0-9a-f]{7,40}|post-?mortem|root cause for|runbook|docs? (?:nit|pr)\b"
    r"|readme\b|wiki\b|jira\b|docs? excerpt|(?:pro )?tip\b|psa\b|template|fixtures?\b|stubs?\b|changelog|release notes|grep result|review(?:ing)?\b|rca\b"
    r"|(?:incident|weekly|daily|monthly) (?:[\w-]+ ){0,2}(?:summary|report|numbers)|interview\b|til\b|triage note|doc link|spreadsheet\b|mock\b|question for\b|docs?:|quiz\b|retro\b"
    r"|lessons learned\b|unit test\b|(?:kb |knowledge base |wiki )?article\b|outline\b|[^\n]{0,80}?\((?:closed|resolved)\)|(?:from|in|per) the (?:\w+ )?docs?\b|reading (?:the )?(?:\w+ )?docs?\b|translat\w+\b|primer\b|proposal\b|rfc\b|design (?:note|doc|review)"
    r"|(?:\w+ ){0,3}(?:stats|metrics)\b|(?:\w+ )?(?:for|in|on) (?:the|our) (?:wiki|docs|runbook|handbook)\b"
    r"|(?:\w+ )?plan(?: for)?\b|onboarding\b|notes? for\b|training material|draft\b|glossary\b|cheat ?sheet\b|faq\b)"
    r"|sql\b|\S{0,4}?(?:代码评审|评审|复盘|变更日志|周报|月报|培训|草稿|清单|告警规则))",
    re.IGNORECASE,
)
"""How a paste opens when it is a review, commit, runbook, doc fix, changelog, report, ticket template, fixture, mock
or root cause ("Draft runbook:", "Adding these fixtures", "事故复盘")."""
_OPENS_AS_UPDATE = re.compile(
    r"\W{0,3}(?:status(?: update)?|update|fyi|good news|heads up|resolved|fixed|solved|all good|closing the loop"
    r"|已解决|已修复|搞定)\b",
    re.IGNORECASE,
)
"""How a status update opens; it is talk when it also says the failure is over (``_OVER``)."""
OPENING = 300
"""Characters of a paste its opening is looked for in."""
_ARTEFACT = re2.compile(
    r"(?i)\bPR ?#\d{1,6}|/\*\*|\bTODO\b|\balert (?:rule|definition)s?\b|\b(?:yaml|json|config) snippet\b|\bpull request\b|\bmock(?:s|ed|ing)?\b|\bnock\(|\bwiremock\b|\brespx\b|\bmerge request\b|\blgtm\b|::test_\w{1,80} (?:passed|failed)\b"
    r"|\b(?:writing|add|added|adding|updated) (?:\w+ ){0,2}(?:runbook|docs?|guide|section|wiki|playbook|panel|dashboard)\b"
    r"|\b(?:got|was|been|is|are|were) merged\b|\bgit (?:log|show|blame)\b"
)
"""Signs of a review, a test run or documentation being written, anywhere in a paste."""
_BUG_REPORT = re2.compile(
    r"(?im)^[ \t*#-]*(?:description|steps(?: to reproduce)?|actual(?: result| behaviou?r)?|observed(?: behaviou?r)?)[ \t*]*:"
)
"""The fields of a bug report: a ticket that opens with its tracker's name but tells what fails now."""
_FINE = re2.compile(
    r"(?i)\bnothing (?:is )?(?:failing|broken|open|to fix)\b|\bno open (?:incidents?|issues?)\b|\bnothing deployed\b"
    r"|\bnot an incident\b|\bnot seeing (?:it|either|any|them|this|that)\b|\bdon'?t come back\b|\bno longer (?:happens?|appears?|shows? up)\b|\bnot seen (?:it )?since\b"
    r"|\b(?:is|are|was|were|has been|have been) (?:now )?(?:fixed|resolved)\b|没再出现|不再出现|已经?(?:解决|修复)了|已经?修复[：:，,]|(?:目前|现在|暂时|还)没有?报错"
    r"|\b(?:alerts?|alarms?) (?:are|is|will be) (?:muted|silenced)\b|\bzero (?:[\w.]+ ){1,3}since\b"
    r"|\b(?:count|errors?|hits|occurrences)\W{0,3}(?:shows?|=|:|is|was|are)\s{0,2}0 (?:for|in|over|since)\b|\bshows? (?:0|zero|none)\b"
    r"|无新增(?:告警|报错|错误)|(?:→|->|=>)\s?0 (?:for|in|over|since)\b|全部通过|\b(?:have|has|had) no (?:issues?|problems?)\b|\bjust reading (?:the )?docs\b|\bfalse alarm\b"
    r"|\bnot a real (?:failure|error|issue|incident|problem)\b|\btabletop\b|\bhypothetical(?:ly)?\b|只是问问|不是报错|修好了|\bjust feedback\b|\bnot a new issue\b|障害ではありません|障害ではない|エラーは?出て(?:い)?ません"
    r"|\bchaos test|\bsynthetic (?:tests?|probes?|checks?)\b|\ball (?:resolved|fixed)\b|\bnot firing\b|\bthe fix (?:held|holds)\b"
    r"|\bfixed in (?:v\d|version|release|build)|\bclosing\W*$|\b(?:incident|ticket|case|issue)\b(?:[^.\n?]|\.\w){0,100}?\b(?:(?:is|was|has been|got) )?closed\b|(?:→|->) ?closed\b|关单|结单"
)
"""A paste that says nothing is failing (any more)."""
_UNASKED = re2.compile(
    r"(?i)\b(?:haven'?t (?:started|tried|hit|seen|deployed)|not (?:yet )?(?:started|deployed|live)|before (?:we|i|our|the)"
    r" (?:\w+ )?(?:start|build|go|launch|release|roll ?out)|planning|just asking|no (?:issues?|problems?"
    r"|errors?) yet|reading the docs|design (?:doc|question)|ahead of (?:the |our )?launch|sizing for"
    r"|(?:what'?s|what is) the (?:\w+ )?difference between|what if|what would happen|thinking ahead|is there a way|poll|(?:get|gets|be|is|are) (?:billed|charged))\b"
    r"|还没(?:开始|遇到|上线|部署)|尚未|先问问|方案评估|只是在做|上线前|假如|假设|演练|计费吗|扣费吗|只是确认|确认一?下"
)
"""A question asked before anything ran ("sizing for a launch", "还没开始压测"), about a case supposed ("what if
...?", "does a failed call get billed?"), or only to confirm what a doc says ("只是确认下")."""
_PLANNED = re2.compile(
    r"(?i)\bnext (?:week|sprint|month|quarter)\b|\bwe(?:'ll| will) (?:load[ -]?test|migrate)\b|下周|下个月|计划|准备把|打算"
)
"""Work still to come ("next week we load-test", "下周要压测"): with no error shown, nothing has failed yet."""
_CODE_LINE = re.compile(
    r"[ \t]*(?:(?:async )?def |(?:(?:sealed|data|abstract|export|public|private|protected|static|final|pub) )*"
    r"(?:class|object|interface|enum|struct|fun|fn|func|val|var|const|let|type) [\w$]|import |from [\w.]+ import |return "
    r"|assert |raise |throw |package |#include |using [\w.]+;|(?:if|elif|else if|for|while|switch|catch|except|when) ?\(|@\w[\w.]*(?:\(.*\))?[ \t]*$|#\s*[\w/]+\.(?:py|go|js|ts|java)\b"
    r"|[A-Za-z_][\w.\[\]'\"]* (?:[+|-]?=|:=) (?!<)\S|[a-z_][\w.]*\((?:.*(?:[,(]|=>|\)[;,]?))?$|-? ?(?:alert|expr|record|rules|groups) ?:"
    r"|diff --git |@@ |\+\+\+ |--- a/|.*;[ \t]*(?://.*)?$|.*\{.*=>.*=>"
    r"|(?:if|elif|else|for|while|try|except|finally|with|match|case|switch)\b.*[:{][ \t]*$)"
)
"""A line of program text, config or a diff."""
_OUTPUT = re2.compile(
    r"(?im)traceback|\bfile \"|^\s+at |\[firing|^\s*\[?\d{4}-\d\d-\d\d[ t]\d\d:\d\d|\bhttp/\d(?:\.\d)? [1-5]\d\d\b"
    r"|<response \[\d{3}\]>|(?:→|->|=>)\s?[45]\d\d\b"
)
"""Output beside program text: a traceback, a firing alert, a log line, an HTTP status line, a response object, an
arrow to an error status (``fetch(url) → 404 {...}``)."""
_ECHO = re.compile(r"(?i)(?:resp(?:onse)?|res|result|body|out(?:put)?|err(?:or)?|data|r)(?:\.\w+)? = (?![A-Z]\w*\()")
"""A value printed under its name (``response = {...}``, ``resp.text = '...'``): output, not program (a value
built by a constructor, ``resp = FakeResp(504, ...)``, is program)."""
_BODY_KEY = re.compile(r"(?i)(?:error_code|errno|erno|error_msg)\W")
"""An error body's keys: on a line of prose beside program text, the output the program got."""
_SOURCE_TAG = re.compile(
    r"[ \t]*(?:python|py|go|golang|java|kotlin|kt|js|javascript|ts|typescript|tsx|jsx|rust|rs|ruby|php"
    r"|csharp|cs|c\+\+|cpp|swift|scala|yaml|yml|toml|ini|hcl|terraform|promql|sql|lua|dockerfile|diff)[ \t]*",
    re.IGNORECASE,
)
"""The language tag of a code block (its fence is gone after normalising) whose lines are source or config, not
output; json, text and shell blocks may be either."""
_TABLE = re.compile(r"(?m)^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|")
"""The rule under a Markdown table's header: a table of codes is documentation."""
_QUOTE_LINES = re.compile(r"(?m)^[ \t]*>.*$")
_DIFF = re.compile(r"(?m)^(?:diff --git |@@ -\d)")
_NEUTRAL = re.compile(r"[\s`{}()\[\];,]*")
"""A line that is only brackets and fences: neither program nor prose."""
CODE_LINES = 2
_OVER = re2.compile(
    r"(?i)\b(?:fixed|resolved|solved|sorted|rolled back|recovered)\b|修复了|已经?(?:解决|修复|恢复)|\bworks? (?:again|now)\b|\bwork again\b|back to normal|no (?:further )?action"
    r"|went away|(?:is|are) gone|all set|all green|closing (?:this|it|the (?:thread|ticket|incident|loop))|fix deployed|succeeding since"
    r"|已解决|已修复|恢复正常|已恢复"
)
"""Words that say a failure is over."""
_ONGOING = re2.compile(r"(?i)\b(?:still|but|firing|alerting|triggered)\b|\bkeeps?(?:[^\w-]|$)|仍|还是|又|但")
"""Words that say a failure goes on, whatever else the paste says."""
_GOES_ON = re2.compile(r"(?i)\b(?:still|open|ongoing|new error|currently|keeps?|persists?)\b|仍|还在|还是|依然|又")
"""Words beside a code that say it goes on ("OPEN: ... returns 81001", "APIG.0307 ... still failing")."""
_WAS_OVER = re.compile(
    r"(?i)(?:\b(?:resolved|fixed|solved|sorted|old error(?: was)?|previous error(?: was)?|earlier|before that)|上次|之前)"
    r"\W{0,3}(?:(?:the|was|is|a|an)\W{1,2})?$"
)
"""Words right before a code that say it is over or came before ("RESOLVED: APIG.0203", "fixed the 81003",
"Earlier: ModelArts.4203")."""
_OVER_AFTER = re2.compile(r"(?i)(?:^|[^\w-])(?:resolved|fixed|solved)\b|已解决|已修复")
"""Words after a code that say it is over ("APIG.1009 (wrong secret, fixed)"); not "then recovered" or
"self-resolved", which tell of a failure that passed by itself and is still asked about."""
_NEXT_CODE = re.compile(r"(?i)\b(?:apigw?|modelarts|mr)[._ -]?\d|(?<![\w.])81[01]\d\d\b")
"""Where the next code starts: the words after a code are its own up to there."""
_RECOVERED = re2.compile(
    r"(?i)\b(?:run|job|batch|pipeline) (?:finished|completed) (?:ok|successfully)\b|\b0 failed\b|全部成功"
)
"""A log line saying the whole run got through after all: the errors before it were retried away. (A single retry
that succeeded is not enough: people still ask why the first call failed.)"""
_REPORTED = re.compile(
    r"(?i)\b(?:gets?|got|getting|gotten|receiv(?:e|es|ed|ing)|see|sees|seeing|saw|seen|hit|hits|hitting|shows?|showed|shown"
    r"|showing|says?|said|reads|displays?|pops? up|popped up|returns?|returned|returning|throws?|threw|thrown|throwing|rais(?:es|ed|ing) (?:an?|the) "
    r"|gives?|gave|giving|repl(?:y|ies|ied)|respon(?:d|ds|ded)|response ?:|answer(?:s|ed)|sends?|sent|comes? back|came back"
    r"|fail(?:s|ed|ing)?|die[sd]?|dying|broke|breaks|crash(?:es|ed)?|reject(?:s|ed)?|refus(?:es|ed)|denie[sd]"
    r"|block(?:s|ed|ing)|throttl(?:es|ed)|hangs?|hung|errors? out|erroring|again|still|today|tonight"
    r"|this (?:morning|afternoon|evening)|(?:every|each) (?:call|request|time)|keeps?(?!-)|kept|always|intermittent(?:ly)?"
    r"|when(?:ever)?|during|overnight|since (?:mon|tues|wednes|thurs|fri|satur|sun)day|at \d{1,2}(?::\d\d)? ?(?:am|pm)"
    r"|outage|errors? with|on (?:every|each|all|most|some|a few|many)"
    r"|from (?:the |our |a )?(?:[\w-]+ ){0,3}(?:endpoint|gateway|api|service|server|url)"
    r"|on (?:a|the|our) (?:[\w-]+ ){0,2}(?:calls?|requests?|completions?|chats?|predictions?|inference)"
    r"|sometimes|suddenly|started|first time|anyone|any idea|why|(?<!-)call(?:s|ed|ing)?(?!-)|firing|triggered"
    r"|(?:stops?|stopped|ends?|ended|dies|died|aborts?|aborted) with"
    r"|(?:was|were|is|worked|works) fine|code (?:is|was)|in the (?:body|response|logs?|output|stream|trace))\b"
    r"|for the (?:last|past) \d|since \d"
    r"|(?<![周月日汇简情])报(?!告|表)|返回|调用|回了|出现|提示|显示|遇到|碰到|收到|一直|总是|还是|仍然|依然|突然|今天|刚才|为什么|怎么|求助|失败|出ま|出て|出た|出る|発生|頻発|多発|频繁|频发|返る|返ります|renvoie|retourne|devuelve|recibimos|bekommen|返って|返り|返され|言われ|呼ぶと|呼んだら|でした"
)
"""Words that report something happening to the writer: getting, seeing, being answered, failing, again, today,
calling, asking why. Looked for in a code's own clause: a code that neither stands as an error nor has such words
beside it is only mentioned ("glossary: MR.0105 means our own code threw")."""
_UNREAL = re.compile(
    r"(?i)(?:(?:\b(?:not|never|no longer|no|nobody|no one|none|nothing|without|would|should|could|might|will|can|if|do"
    r"|does|did|probably|imagine|imagining)|n't|'d|'ll)\b(?: \w+)?"
    r"|(?:没有?|不|未|别|如果|假设|假如|会|是否)[\u4e00-\u9fff]{0,4})\s?$"
)
"""Words before a report word that deny or suppose it: "not seeing it now", "which one would we hit", "we haven't hit
it", "we'd probably hit", "现在没报错", "会返回"."""
_IN_DOCS = re.compile(
    r"(?i)\W{0,3}(?:it |this |that |them )?(?:in|on|from) (?:a|an|the|our|their|some) (?:[\w-]+ ){0,3}"
    r"(?:docs?|documentation|wiki|table|manual|forum|faq|slides?|training|blog|post|article|tutorial|video|book|course)\b"
)
"""Where a report word says a code was read, not got: "saw it in the MaaS error code doc"."""
_DEFINES = re.compile(
    r"(?i)\bwhat\b(?>(?:'s| is| does| do| did)?)(?! (?:this|that|it|these|those)\b).{0,80}?\bmeans?\b"
    r"|\b(?:usually |generally |basically |always )?means (?:that|the|a|an|you|your|our|we)\b|\bmeaning of\b|\bstands? for\b|\bdifference between\b"
    r"|\btranslat\w*|\bcounts? as (?:an? )?(?:success|error|failure)\b|\b(?:exact )?wording\b|区别|什么意思|含义|翻译|措辞|どういう意味|の意味"
)
"""A question about what a code or message means, how two differ, or how to word it; not "what does this mean?",
which asks about the error pasted beside it."""
_MEANING = re2.compile(
    r"(?i)mean|stands? for|difference between|translat|counts? as|wording|区别|什么意思|含义|翻译|措辞|意味"
)
"""A word every ``_DEFINES`` question has: found in one RE2 pass, before the slower full pattern is tried."""
_GONE_WRONG = re2.compile(
    r"(?i)\btimed out\b|\btim(?:es?|ing) out\b|\bexceed(?:s|ed|ing)?\b|\bfailures?\b|\bexpired?\b|\bexpires\b|\bused up\b"
    r"|\br[au]n out\b|\bexhausted\b|\bunavailable\b|\bforbidden\b|\bunauthori[sz]ed\b|\btoo (?:large|big|many|long)\b"
    r"|到期|用尽|耗尽|欠费|没开通|未开通|不可用|超时|超过|拒绝|拒了|被拒|无效|过期|不存在|不支持|不通|用完|不了|不匹配|不一致|失效|超出|超限|太大|太多|太长|过大|过长|超過|失敗"
    r"|\bdo(?:es)? ?n[o']t exist\b|\bnot found\b"
)
"""Words beside a code that say what went wrong ("ModelArts.4503 'response timed out' after 42s", "暂不可用：...")."""
_SUPPOSES = re2.compile(r"(?i)\b(?:if|would|whether|suppose|hypothetically)\b|假如|假设|如果")
"""A clause that supposes ("what if the token expires, would we see APIG.0307?"): what goes wrong in it is not news."""
CLAUSE = 80
"""Characters either side of a code, within its sentence, where words reporting it are looked for."""
_REFERS = re2.compile(
    r"(?i)\b(?:playbooks?|runbooks?|wiki|readme|heading|anchor|glossary|meanings?|spreadsheet|translat(?:e|ed|ing)|translations? (?:of|for)"
    r"|the (?:[\w-]+ )?bot|@[\w-]*bot|faq|slides?|workshop|quiz|interview|regex|parser|mock(?:s|ed)?|fixtures?|unit tests?"
    r"|docs? (?:says?|page for)|(?:this|that|the same) format)"
    r"|文档\S{0,3}写|写文档|机器人.{0,12}(?:回答|回复)|的解释|意味を|手册|用例|这种格式|翻译|文案|培训|整理"
)
"""Words that make a code the topic of a document, a tool or a figure rather than an error someone got."""
_LASTING = re2.compile(
    r"(?i)\bstuck\b|\bsitting\b|\bnever (?:leaves|goes|gets|reaches|becomes|finishes)|\b(?:has|have) been\b|\bflipped\b"
    r"|\bchanged (?:from|to)\b|\bturned\b|\bwent (?:to|into|down|red)\b|\bentered\b|\bwon'?t\b|\bcomplain\w*|\btold me\b"
    r"|\bfor (?:almost |about |over |nearly )?(?:\d+\+?|an?) ?(?:min|mins|minutes|hours?|h)\b|\blong time\b|很久|好久"
    r"|\bsince (?:this |last |yesterday|morning|the |\d)|\bclimb\w*|\bspik\w*|\bquot(?:e|es|ed|ing)\b"
    r"|一直|卡在|变成|[跑起]不起来|从.{0,8}开始"
)
"""A state that lasts or changed, or words passed on: how people tell of a deploy that hangs, a service that went
to Alarm since the morning, errors climbing, or what a colleague said."""
_SPOKEN = re.compile(r'"[^"\n]{1,200}"|“[^”\n]{1,200}”|「[^」\n]{1,200}」')
"""Quoted text: the words of the error or of a document, not the writer's report."""
_CLAUSE_END = re.compile(r"[.!;](?=\s)|[。！；\n]")
_BESIDE_STATUS = re.compile(
    r"(?:(?<![A-Za-z0-9_.])[45]\d\ds?\W{1,3}(?:\w+ )?|(?<![A-Za-z0-9_.])\d{1,3}(?:\.\d+)?% ?|->|→|=>) ?[\"'“「]?$"
)
_LABELLED = re.compile(
    r"(?i)(?:\b(?:error(?:[ _]code)?|response|result|body)(?: is| was)?|\bcode on \w+:|错误码?(?:是|为)?|结果|(?<!返)回)\W{0,3}$"
)
"""A code named as the error or the result ("error CF2.E00003", "error code is ModelArts.4104", "response
ModelArts.4905", "body ModelArts.4104", "错误码 APIG.0308", "结果 APIG.0101", "MaaS 回 ModelArts.81002")."""
_STATUS_BESIDE = re.compile(r"(?i)\W{1,3}(?:\(?[45]\d\d(?![\w.])|(?:now|again|today)\b)|[ \t]{1,2}['\"“「][A-Za-z]")
_SENTENCE_OPEN = re.compile(r"(?:[.!?):]\s{1,3}|[。！？）：]\s{0,3}|[\u4e00-\u9fff],\s{0,3})$")
_ALONE = re.compile(r"[.!。]?[ \t]*(?:\n|\Z)")
"""A code that is a sentence (or, after a comma in Chinese, a clause) of its own ("... the output folder doesn't
exist. ModelArts.3551.", "我们用 http 调，ModelArts.8910") is a report."""
_LINE_HEAD = re.compile(r"(?i)[ \t>`\"'(\[【「“]*(?:(?:error|err|fatal|code|错误码?)\W{0,3})?$")
"""What may stand before a code that opens its line: quote marks, brackets, an "Error:" label."""
CATALOG = 3
"""Distinct codes, none in an error body, from which a paste lists codes (a runbook, a mapping table, a dashboard)
rather than reports one."""
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class CodeHit:
    """One error code as it stands in the paste."""

    code: str
    raw: str
    strict: bool
    in_body: bool
    start: int
    line: str
    status: int | None
    message: str | None
    resolved: bool = False
    """History, not news: its own words say it is over ("RESOLVED: APIG.0203", "fixed the 81003"), or, when they
    say nothing either way, it stands under an alert that says so ("[RESOLVED]", "✅", "已恢复"); or the paste only
    talks about it (``Evidence.talk``)."""
    depth: int = 0
    """How deep in quoted mail it stands ("> > "): deeper is older."""
    referenced: bool = False
    """Its own clause makes it the topic of a document, a tool or a figure ("the docs page for MR.0105", "the bot
    answered 81003", "APIG.0308 这种格式"): named, not reported, whatever else the clause says."""
    stands: bool = False
    """It stands as an error prints it (in an error body, beside a status as ``403 APIG.0302``, opening its line), or
    words beside it report it ("we get APIG.0302 when...")."""


@dataclass(frozen=True)
class PredictionUrl:
    """A ModelArts prediction address, a MaaS endpoint, or a console link to a service, found in the paste."""

    url: str
    host: str
    region: str | None
    service_id: str | None
    api_version: str | None
    custom_path: str | None
    console: bool = False
    """A ModelArts console page about the service, not an address to call."""
    route: Route | None = None
    """The call path the address belongs to (a MaaS host, or an API Gateway / inference host)."""


@dataclass(frozen=True)
class Evidence:
    """Everything the extractor found in one paste."""

    text: str
    truncated: bool
    codes: tuple[CodeHit, ...]
    statuses: tuple[int, ...]
    messages: tuple[str, ...]
    request_ids: tuple[str, ...]
    urls: tuple[PredictionUrl, ...]
    exceptions: tuple[str, ...]
    context: bool
    """Visibly about ModelArts (prediction URL, ModelArts/APIG/MaaS words, its headers, 在线服务...)."""
    foreign: bool
    """Visibly about another system (AWS, Kubernetes, nginx, another LLM provider...); only looked for without context."""
    lang: str
    quoted: tuple[str, ...] = ()
    """Strings quoted in the paste's prose ("The input parameter is invalid"), as people quote errors."""
    route: Route | None = None
    """The call path the paste visibly comes from: the address called, a MaaS code, or tell-tale words and headers."""
    surface: Surface | None = None
    """The part of ModelArts the paste comes from, where it shows: a prediction, or a management API."""
    durations: tuple[float, ...] = ()
    """How long things took, in seconds: timings, alert values, HAR waits, "about forty seconds"."""
    failed: bool = False
    """The paste says something failed (a code it reports, an error status, an exception, "timed out", "断开"...)."""
    talk: bool = False
    """The paste talks about errors without reporting one: a status update saying it is fixed, a code review, a
    question asked before anything failed. Its codes are history, not news."""
    reported: bool = True
    """Something in the paste reports an error as happening: a status, an exception, an error message, or a code
    that stands as an error or is reported in words (``CodeHit.stands``). A code in prose without any of these is
    only mentioned ("glossary: MR.0105 means our own code threw")."""
    blamed: frozenset[Layer] = frozenset()
    """Hops the paste names as the one that answered ("the gateway refuses it", "调度报错")."""
    cleared: frozenset[Layer] = frozenset()
    """Hops the paste says did not answer ("from ModelArts itself, not the gateway")."""
    signs: frozenset[str] = frozenset()
    """The knowledge base's symptom patterns found in the text (filled in by the matcher, in one RE2 pass)."""
    own_text: str = ""
    """The text without a log's routine lines and other systems' lines (``routine_lines_dropped``): its own errors
    and the writer's words, what durations and descriptions are read from."""


def extract(paste: str | bytes, says: Says | None = None) -> Evidence:
    """Normalise ``paste`` and extract its evidence; ``says`` confirms bare MaaS numbers (see ``_codes``)."""
    text, truncated = normalize(paste)
    lower = text.lower()
    words = set(_WORDS.findall(lower))
    own = _FOREIGN_URL.sub(" ", lower)  # "apig" in a GitHub search URL is not about ModelArts
    context = _mentions(own, set(_WORDS.findall(own)), _CONTEXT_WORDS, _CONTEXT_PHRASES)
    # "not ModelArts", "we use Cloud.ru, not Huawei", or the call goes to another provider's host
    disowned = _NOT_MODELARTS.search(lower) is not None or (
        _OTHER_PROVIDER.search(lower) is not None and _HUAWEI_HOST.search(lower) is None
    )
    context = context and not disowned
    hits = list(_codes(text, maas=_mentions(lower, words, _LLM_CALL_WORDS, _LLM_CALL_PHRASES), says=says))
    succeeded = {hit.code for hit in hits if _succeeded(hit)}  # a code seen answering success
    codes = tuple(hit for hit in hits if hit.code not in succeeded)
    urls = tuple(_urls(text))
    addressed = any(u.route for u in urls)  # a prediction address or a MaaS endpoint is in the paste
    statuses = _unique(_statuses(text))
    exceptions = _unique(m.group(0) for m in _EXCEPTION.finditer(text))
    messages = _unique(_message_of(m).strip() for m in _MESSAGE.finditer(text))
    quoted = _unique(next(g for g in m.groups() if g).strip() for m in _QUOTED.finditer(text))
    shown = bool(statuses or exceptions or messages or quoted)
    listed = len({hit.code for hit in hits})  # a list of codes counts the ones that answer success, too
    talk = _talks(text.lstrip(), codes, shown, listed) or _recovered(lower, codes)
    reported = not codes or bool(statuses or exceptions or messages) or any(h.stands for h in codes)
    if talk:
        codes = tuple(replace(h, resolved=True) for h in codes)
    blamed, cleared = _hops(lower)
    own_text = routine_lines_dropped(text)
    return Evidence(
        text=text,
        truncated=truncated,
        codes=codes,
        statuses=statuses,
        messages=messages,
        request_ids=_unique(m.group("id").lower() for m in _REQUEST_ID.finditer(text)),
        urls=urls,
        exceptions=exceptions,
        context=context or addressed,
        foreign=not context and (_mentions(lower, words, _FOREIGN_WORDS, _FOREIGN_PHRASES) or disowned),
        lang=_language(text),
        quoted=quoted,
        route=_route(lower, words, urls, codes),
        surface=_surface(lower, codes, addressed, disowned),
        # a log's routine lines ("next run in 47s") time nothing that failed
        durations=tuple(sorted({round(d, 1) for d in _durations(own_text.lower())}))[-MAX_DURATIONS:],
        failed=not talk
        and (
            (bool(codes) and reported)
            or any(s >= 400 for s in statuses)
            or _says_failed(lower if reported else _SPOKEN.sub(" ", lower), _alerts(lower))
        ),
        talk=talk,
        reported=reported,
        blamed=blamed,
        cleared=cleared,
        own_text=own_text,
    )


def _says_failed(lower: str, alerts: list[tuple[int, bool]]) -> bool:
    """Does the text say something failed, other than to deny it ("no errors") or under a resolved alert?"""
    return any(
        not _NEGATED.search(lower[max(0, m.start() - 16) : m.start()]) and not _under_resolved_alert(alerts, m.start())
        for m in _FAILURE.finditer(lower)
    )


@dataclass(frozen=True)
class OtherSystems:
    """A log of many timestamped lines, lower-cased, whole and without the lines of other systems (mysql, ldap, an
    S3 bucket, api.openai.com: naming one and nothing of ModelArts or MaaS). Empty for any other paste."""

    whole: str = ""
    own: str = ""

    @classmethod
    def of(cls, text: str) -> OtherSystems:
        lower = text[:LOG_SCAN].lower()
        if len(LOG_STAMP.findall(lower)) < LOG_LINES:
            return cls()
        return cls(lower, "\n".join(line for line in lower.split("\n") if not _other_systems_line(line)))

    def hold(self, snippet: str) -> bool:
        """Is every line that holds ``snippet`` (a sign, a status or a message found) another system's line?"""
        snippet = snippet.strip(" .!?:;,'\"")  # a message is matched without its punctuation
        return "\n" not in snippet and snippet in self.whole and snippet not in self.own


def routine_lines_dropped(text: str) -> str:
    """``text`` without its routine log lines (INFO, DEBUG, TRACE) and, in a log of many lines, without other
    systems' lines: a log's own errors and the writer's words."""
    log = len(LOG_STAMP.findall(text, 0, LOG_SCAN)) >= LOG_LINES  # counted before its routine lines go
    text = _QUIET_LOG_LINE.sub("", text) if _QUIET_LOG_LINE.search(text) else text
    if not log:
        return text
    return "\n".join(line for line in text.split("\n") if not _other_systems_line(line.lower()))


_LEVEL_HEAD = re.compile(r"[ \t]*(?:error|warn(?:ing)?|fatal|critical)\b")
"""A log line without its time stamp, opening with its level (``ERROR psycopg2.OperationalError: ...``)."""


def _other_systems_line(line: str) -> bool:
    """A log line (time-stamped, or opening with its level) naming another system and nothing of ModelArts or
    MaaS."""
    words = set(_WORDS.findall(line))
    return (
        (LOG_STAMP.match(line) is not None or _LEVEL_HEAD.match(line) is not None)
        and _mentions(line, words, _OTHER_COMPONENT, _FOREIGN_PHRASES)
        and not _mentions(line, words, _CONTEXT_WORDS, _CONTEXT_PHRASES)
    )


def told(text: str) -> bool:
    """Do the writer's own words (outside quotes) report something happening, say what went wrong, or tell of a
    state that lasts ("stuck in Deploying for 45 minutes", "一直在重启")? Without them a paste asks or tells about
    the product ("is the RPM limit per key?", "sharing the rate-limit doc"), not about a failure."""
    own = _SPOKEN.sub(" ", _QUOTED.sub(" ", text.lower()))
    return _reports(own) or _LASTING.search(own) is not None or _GONE_WRONG.search(own) is not None


def _succeeded(hit: CodeHit) -> bool:
    """Does the code answer success: it is a success code, its message says so, or the words right after it say so
    ("MR.0100 Succeeded for all")?"""
    if hit.code in SUCCESS_CODES:
        return True
    if hit.message is not None:
        return _SUCCESS.match(hit.message) is not None
    after = hit.line[hit.line.find(hit.raw) + len(hit.raw) :] if hit.raw in hit.line else ""
    return _SUCCEEDED_AFTER.match(after) is not None


def _talks(text: str, codes: tuple[CodeHit, ...], shown: bool, listed: int) -> bool:
    """Talk about errors: a review, commit, runbook, doc, report, template, fixture, test output or program text; and,
    with no code in an error body, a paste that says nothing is failing, a status update that says the failure is
    over ("fixed now — the 81002 earlier was..."), a question about what a code means with nothing reported outside
    its quotes, or, with no error ``shown`` either, a list of ``listed`` codes, a question
    asked before anything ran ("just asking, haven't started") or work still planned."""
    lower = text.lower()
    opening = lower[:OPENING]
    ongoing = _ONGOING.search(lower) is not None
    if (_OPENS_AS_ARTEFACT.match(opening) and not _BUG_REPORT.search(text)) or _ARTEFACT.search(lower):
        return True
    if _program(text):
        return True
    if _TABLE.search(text) and listed >= 2:
        return True  # a table of codes: documentation
    if codes and all(h.depth for h in codes) and _OVER.search(_QUOTE_LINES.sub("", lower)) and not ongoing:
        return True  # the error only in a quote, and the writer says it is over
    if any(h.in_body for h in codes):
        return False
    if (_FINE.search(lower) or (_OPENS_AS_UPDATE.match(opening) and _OVER.search(lower))) and not ongoing:
        return True
    if _MEANING.search(lower) and _DEFINES.search(lower) and not _reports(_QUOTED.sub(" ", lower)):
        return True  # what a code or message means, how two differ, how to word it: nothing reported happening
    asked = ("?" in lower or "？" in lower) and _UNASKED.search(lower) is not None
    planned = _PLANNED.search(lower) is not None
    return not shown and (asked or planned or listed >= CATALOG)


def _program(text: str) -> bool:
    """Is the paste program text (source, a test, config, an alert rule, a diff) with no output beside it? What is
    written in the program (``status=429`` in a mock, an error body in a fixture) is not an error it produced; a
    traceback, a firing alert, a log line, or a status, exception or error body on a line of prose is: people share
    the code that got them an error, too. A line inside brackets a program line opened belongs to the program."""
    if _OUTPUT.search(text):
        return False
    diff = _DIFF.search(text) is not None
    code, depth, prose, source = 0, 0, [], False
    for line in text.splitlines():
        if _SOURCE_TAG.fullmatch(line):
            source = True  # a block tagged with a language holds source, up to the next blank line
            code += 1
            continue
        if not line.strip():
            depth, source = 0, False  # a snippet may leave a block open; a blank line ends it
        if _NEUTRAL.fullmatch(line) and not depth:
            continue
        if source or depth or (_CODE_LINE.match(line) and not _ECHO.match(line)) or (diff and line[:1] in "+-"):
            code += 1
            depth = max(0, depth + sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}"))
        else:
            prose.append(line)
    if not code or (code < CODE_LINES and prose):
        return False
    rest = "\n".join(prose)
    return not (any(s >= 400 for s in _statuses(rest)) or _EXCEPTION.search(rest) or _BODY_KEY.search(rest))


def _recovered(lower: str, codes: tuple[CodeHit, ...]) -> bool:
    """Does a line after the last code say the work got through after all?"""
    return bool(codes) and _RECOVERED.search(lower, max(h.start for h in codes)) is not None


def _hops(lower: str) -> tuple[frozenset[Layer], frozenset[Layer]]:
    """The hops the paste names: those it blames (said to answer), and those it clears (said not to)."""
    blamed, cleared = set(), set()
    for layer, names in _HOP_NAMES.items():
        if not any(word in lower for word in _HOP_WORDS[layer]):
            continue
        for m in names.finditer(lower):
            denied = DENIED.search(lower, max(0, m.start() - 40), m.start())
            (cleared if denied else blamed).add(layer)
    return frozenset(blamed - cleared), frozenset(cleared)


def _alerts(text: str) -> list[tuple[int, bool]]:
    """Alert headers in ``text``, in order: where each stands and whether it says the alert is resolved."""
    return [(m.start(), m.group("resolved") is not None) for m in _ALERT.finditer(text)]


def _durations(lower: str):
    """Seconds, from ``40.2 s``, ``40012 ms``, ``0m40.212s``, HAR ``"wait": 40012.3``, ``forty seconds``, ``四十秒``."""
    for m in _DURATION.finditer(lower):
        if m.group("min") is not None:
            yield int(m.group("min")) * 60 + float(m.group("minsec"))
        elif m.group("har") is not None:
            yield float(m.group("har")) / 1000
        elif m.group("secs") is not None or m.group("metric") is not None:
            yield float(m.group("secs") or m.group("metric"))
        elif m.group("word") is not None:
            yield float(_TENS[m.group("word")])
        else:
            value = float(m.group("value"))
            yield value / 1000 if m.group("unit") in ("ms", "毫秒", "milliseconds") else value


def _surface(lower: str, codes: tuple[CodeHit, ...], addressed: bool, disowned: bool) -> Surface | None:
    """Prediction for a code only a model call returns (MaaS gateway, model service); management for codes only a
    management API returns (``MANAGEMENT_CODES``); else the surface with
    more distinct signs, prediction on a tie so a management word in passing does not silence a failure.

    Another Huawei Cloud service called (its own address, an API of its own, its SDK), with no prediction address
    in sight, is not a prediction: its calls cross the same gateway and return the same ``APIG`` codes. A log's
    routine lines (INFO, DEBUG) do not count: a worker that also talks to OBS still calls ModelArts.

    An error's own message (its ``error_msg``, else the rest of its line) counts for management only: a management
    API's message may name a real-time service ("The online service status needs...") without the paste being
    about calling one.

    ``addressed``: the paste shows a prediction address or a MaaS endpoint; ``disowned``: it says it is not about
    ModelArts (``_NOT_MODELARTS``)."""
    if disowned and not addressed:
        return Surface.MANAGEMENT  # "we use Cloud.ru, not Huawei": its ModelArts-like codes are not ours
    if any(_layer_of(h.code) in (Layer.MAAS, Layer.MODEL) for h in codes):
        return Surface.PREDICTION
    if codes and all(h.code in MANAGEMENT_CODES for h in codes):
        return Surface.MANAGEMENT
    if not addressed and (_calls_other_service(_QUIET_LOG_LINE.sub("", lower)) or _MANAGEMENT_ADDRESS.search(lower)):
        return Surface.MANAGEMENT
    lower = whole = _CJK_GAP.sub("", lower)  # "训练 作业" is 训练作业
    management = Surface.MANAGEMENT.weight(lower)
    for hit in codes:
        line = hit.line.lower()
        said = hit.message.lower() if hit.message else line[line.find(hit.raw.lower()) + len(hit.raw) :]
        if said.strip():
            lower = lower.replace(said, " ")
            if hit.message:  # the server's own words ("Notebook instance not found.") outweigh a caller's names
                management += Surface.MANAGEMENT.weight(said)
    prediction = Surface.PREDICTION.weight(lower) + 2 * any(_layer_of(h.code) is Layer.APIG for h in codes)
    # APIGW (with a W) is the gateway of Huawei Cloud's own service APIs: a sign of them, unless the paste shows
    # an inference call ("APIGW.0301 from our infer endpoint")
    if any(h.raw.lower().startswith("apigw") for h in codes):
        management += 2 + 2 * (_NOT_INFERENCE.search(whole) is not None)  # "..., not the model"
    if management > prediction:
        return Surface.MANAGEMENT
    return Surface.PREDICTION if prediction else None


def _calls_other_service(lower: str) -> bool:
    """Does the paste call another Huawei Cloud service (``_OTHER_SERVICE``)? Not when the service it names is the
    writer's own ModelArts service ("the OCR API is broken ... our ModelArts OCR service returns")."""
    m = _OTHER_SERVICE.search(lower)
    if m is None:
        return False
    named = m.group("named")
    return not (named and f"modelarts {named.split()[0]}" in lower)


def _mentions(lower: str, words: set[str], vocabulary: frozenset[str], phrases: tuple[str, ...]) -> bool:
    return not words.isdisjoint(vocabulary) or any(p in lower for p in phrases)


def _route(lower: str, words: set[str], urls: tuple[PredictionUrl, ...], codes: tuple[CodeHit, ...]) -> Route | None:
    """Strongest sign first: the address called, a MaaS code, then the words and headers around it."""
    for url in urls:
        if url.route:
            return url.route
    for hit in codes:
        family = family_of(hit.code)
        if family and family.layer.route is Route.MAAS:
            return Route.MAAS
    if _mentions(lower, words, _MAAS_WORDS, _MAAS_PHRASES):
        return Route.MAAS
    if _mentions(lower, words, _CLASSIC_WORDS, _CLASSIC_PHRASES):
        return Route.CLASSIC
    return None


def _layer_of(code: str) -> Layer | None:
    family = family_of(code)
    return family.layer if family else None


def _typo_family(word: str) -> str | None:
    """The code prefix a mistyped or OCR'd word stands for (``APGI``, ``AP1G`` -> APIG; ``ModeIArts`` -> ModelArts)."""
    w = word.lower().replace("rn", "m").translate(_OCR_LETTERS)
    if w in _APIG_TYPOS:
        return "APIG"
    if len(w) >= 7 and DamerauLevenshtein.distance(w, "modelarts", score_cutoff=2) <= 2:
        return "ModelArts"
    return None


def _number(prefix: str, written: str) -> str | None:
    """The code number ``written`` stands for, reading OCR letters as digits; trailing letters that are
    more likely the next word (``MR.0105Is``) are dropped. None when no plausible number is there."""
    if written[0] in "eE":
        number = "E" + written[1:].replace("O", "0").replace("o", "0")
        return number if any(c.isdigit() for c in written) else None
    for end in range(len(written), 3, -1):
        if end < len(written) and written[end].isdigit():
            return None  # only letters are dropped, never digits
        part = written[:end]
        number = part.translate(_OCR_DIGITS)
        # "APIG.OOOO" is a placeholder, not a code; "MR.O105" (letter O for zero) is one
        if sum(c.isdigit() for c in part) >= 2 and plausible_number(prefix, number):
            return number
    return None


def _codes(text: str, maas: bool = False, says: Says | None = None):
    """Error codes in any written form, and bare numbers of the MaaS gateway's 81xxx family: in a paste about MaaS
    (``maas``) after words that say a code follows (``MaaS 81010 on every call``), and anywhere with words beside
    them that ``says`` finds in that code's own playbook (``返回 81109 No permission query task``)."""
    found = 0
    alerts = _alerts(text)
    taken: set[int] = set()  # where codes were read: their digits are no bare number
    for m in _CODE.finditer(text):
        if found >= MAX_CODE_HITS:
            return
        num = m.group("num")
        prefix = canonical_prefix(m.group("prefix")) if m.group("prefix") else _typo_family(m.group("typo"))
        number = _number(prefix, num) if prefix else None
        if number is None:
            continue  # "APIG.020111" is no code; "APIG.02011" may be 0201 with a digit too many
        code = f"{prefix}.{number}"
        # a typo in the prefix or the digits, or a number no family has, makes the code loose
        exact = m.group("prefix") is not None and num == number
        strict = exact and m.group("sep") in (".", "_") and family_of(code) is not None
        found += 1
        taken.add(m.end("num"))
        yield _hit(text, m.start(), m.group(0), code, strict, m.group("wrapped"), alerts)
    asked = 0

    def said(code: str, clause: str) -> bool:
        """``says``, within the paste's budget of checks; a number no playbook has costs none."""
        nonlocal asked
        if says is None or asked >= MAX_BARE_ASKED:
            return False
        answer = says(code, clause, asked < MAX_BARE_DESCRIBED)
        asked += answer is not None
        return bool(answer)

    for m in _BARE_MAAS.finditer(text):
        code = f"ModelArts.{m.group(0)}"
        # "81003 thousand input tokens" is a number, "81108 Task does not exist" a code
        if not (maas and _bare_maas_code(text, m.start(), m.end())) and not said(
            code, _clause(text, m.start(), m.end())
        ):
            continue
        if found >= MAX_CODE_HITS:
            return
        found += 1
        yield _hit(text, m.start(), m.group(0), code, False, None, alerts)
    for m in _BARE_NUMBER.finditer(text) if says is not None else ():
        # "504 with 4503 response timed out": a classic code's number, told by its own words beside it
        if asked >= MAX_BARE_ASKED or found >= MAX_CODE_HITS:
            return
        if m.end() in taken:
            continue
        clause = _clause(text, m.start(), m.end())
        meant = [
            code for code in (f"{family}.{m.group(0)}" for family in ("ModelArts", "APIG", "MR")) if said(code, clause)
        ]
        if len(meant) == 1:
            found += 1
            yield _hit(text, m.start(), m.group(0), meant[0], False, None, alerts)


def _bare_maas_code(text: str, start: int, end: int) -> bool:
    """In a paste about MaaS or an LLM call, is the bare number at ``start:end`` a MaaS code: introduced as one
    (``_BARE_BEFORE``, ``_BARE_AFTER``), or at least not a quantity or a name (``_BARE_COUNTED``, ``_BARE_NAMED``)?"""
    return bool(
        _BARE_BEFORE.search(text, max(0, start - 30), start)
        or _BARE_AFTER.match(text, end, end + 16)
        or not (_BARE_COUNTED.match(text, end, end + 16) or _BARE_NAMED.search(text, max(0, start - 16), start))
    )


def _hit(text: str, start: int, raw: str, code: str, strict: bool, wrapped: str | None, alerts) -> CodeHit:
    # the code's line, clipped around it: a 100 KB one-line paste must not cost 100 KB per hit
    line_start = max(text.rfind("\n", 0, start) + 1, start - LINE_REACH)
    line_end = text.find("\n", start, start + LINE_REACH)
    line = text[line_start : line_end if line_end >= 0 else min(len(text), start + LINE_REACH)]
    in_body = _IN_BODY.search(text[max(0, start - 24) : start]) is not None
    end = start + len(raw)
    clause = _clause(text, start, end)
    referenced = not in_body and _REFERS.search(clause) is not None
    return CodeHit(
        code=code,
        raw=raw,
        strict=strict,
        in_body=in_body,
        start=start,
        line=line,
        status=int(wrapped or 0) or _status_before(text, start) or _nearest_status(text, line_start, line),
        message=_message_in(line, start - line_start)
        or _message_in(text[line_start + len(line) : line_start + len(line) + 300]),
        resolved=_history(text, start, end, alerts),
        depth=_QUOTE_DEPTH.match(text, text.rfind("\n", 0, start) + 1).group(0).count(">"),
        referenced=referenced,
        stands=in_body or wrapped is not None or _stands(text, start, end, line_start, clause, referenced),
    )


def _stands(text: str, start: int, end: int, line_start: int, clause: str, referenced: bool) -> bool:
    """Does the code at ``start:end`` stand as an error prints it, or as a report: beside a status or a share
    (``403 APIG.0302``, ``10% APIG.0308``), after an arrow, opening its line, a sentence of its own, or with words
    beside it that report it ("we get APIG.0302 when...")?"""
    if (
        _BESIDE_STATUS.search(text, max(0, start - 16), start) is not None
        or _STATUS_BESIDE.match(text, end, end + 8) is not None
    ):
        return True
    if referenced or DENIED.search(text, max(0, start - 40), start):
        return False  # named as a topic, or denied ("the body says ModelArts.4206, not APIG.0308")
    if (
        _LINE_HEAD.fullmatch(text, line_start, start) is not None
        or _LABELLED.search(text, max(0, start - 24), start) is not None
    ) or (_ALONE.match(text, end) is not None and _SENTENCE_OPEN.search(text, max(0, start - 5), start) is not None):
        return True
    return _reports(_SPOKEN.sub(" ", clause)) or (
        _GONE_WRONG.search(clause) is not None and not _SUPPOSES.search(clause)
    )


def _reports(clause: str) -> bool:
    """Does a word in ``clause`` report the error, not deny it or suppose it ("not seeing it", "would we hit"), nor
    say where it was read ("saw it in the docs")?"""
    return any(
        not _UNREAL.search(clause, max(0, m.start() - 24), m.start()) and not _IN_DOCS.match(clause, m.end())
        for m in _REPORTED.finditer(clause)
    )


def _clause(text: str, start: int, end: int) -> str:
    """The words around a code, up to ``CLAUSE`` characters either side, within its sentence."""
    before, after = _clause_sides(text, start, end)
    return before + " " + after


def _clause_sides(text: str, start: int, end: int) -> tuple[str, str]:
    """The words before and after the code at ``start:end``, up to ``CLAUSE`` characters each, within its sentence."""
    before = text[max(0, start - CLAUSE) : start]
    cut = [m.end() for m in _CLAUSE_END.finditer(before)]
    after = text[end : end + CLAUSE]
    stop = _CLAUSE_END.search(after)
    return before[cut[-1] if cut else 0 :], after[: stop.start() if stop else len(after)]


def _history(text: str, start: int, end: int, alerts: list[tuple[int, bool]]) -> bool:
    """Is the code at ``start:end`` history? Its own words decide first, from its sentence's start to the next code:
    words that it goes on ("still failing", "OPEN:", "new error") make it news; words that it is over, right before
    it or after it ("RESOLVED: APIG.0203", "fixed the 81003", "APIG.1009 (wrong secret, fixed)") make it history.
    Else the alert header above it decides."""
    before, after = _clause_sides(text, start, end)
    after = _NEXT_CODE.split(after, 1)[0]
    if _GOES_ON.search(before) or _GOES_ON.search(after):
        return False
    if _WAS_OVER.search(before) or _OVER_AFTER.search(after):
        return True
    return _under_resolved_alert(alerts, start)


def _under_resolved_alert(alerts: list[tuple[int, bool]], start: int) -> bool:
    """Whether the nearest alert header before ``start`` (within ``ALERT_REACH``) says the alert is over."""
    at = bisect.bisect_left(alerts, (start, False)) - 1
    return at >= 0 and start - alerts[at][0] <= ALERT_REACH and alerts[at][1]


def _statuses(text: str):
    """HTTP statuses: three-digit numbers that HTTP-ish words stand around (or that open the line printed
    under a line asking for the status, as ``r.status_code`` in a REPL)."""
    for m in _NUMBER.finditer(text):
        start, end = m.span()
        before = text[max(0, start - 24) : start]
        if (
            _STATUS_BEFORE.search(before)
            or ((not before or before[-1] in " \t\n([") and _STATUS_AFTER.match(text, end, end + 40))
            or (_LINE_START.search(before) and _ASKS_STATUS.search(text, max(0, start - 200), start))
        ):
            yield int(m.group(0))


def _status_before(text: str, start: int) -> int | None:
    """The error status printed right before a code, as log lines print it (``WARN 429 APIG.0308``)."""
    m = _STATUS_JUST_BEFORE.search(text, max(0, start - 8), start)
    return int(m.group(1)) if m else None


def _nearest_status(text: str, line_start: int, line: str) -> int | None:
    """The status on the code's own line, else on the three lines before it, else after."""
    for status in _statuses(line):
        return status
    before = text[max(0, line_start - 600) : line_start].split("\n")[-4:]
    for prev in reversed(before):
        for status in _statuses(prev):
            return status
    after = text[line_start + len(line) : line_start + len(line) + 300].split("\n")[:3]
    for nxt in after:
        for status in _statuses(nxt):
            return status
    return None


def _message_in(line: str, at: int = 0) -> str | None:
    """The message that belongs with a code at ``at``: the first after it on the line, else the line's first."""
    m = _MESSAGE.search(line, at) or _MESSAGE.search(line)
    return _message_of(m).strip() if m else None


def _message_of(m: re.Match) -> str:
    return next(g for g in (m.group("dq"), m.group("sq"), m.group("bare")) if g is not None)


def _urls(text: str):
    seen = set()
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;")
        if url in seen:
            continue
        found = _prediction_url(url, m.group("host").lower().rstrip("."), m.group("path") or "")
        if found is None:
            continue
        seen.add(url)
        yield found
        if len(seen) >= 20:
            return


def _prediction_url(url: str, host: str, path: str) -> PredictionUrl | None:
    """What an address says about the service it calls; None when it is no ModelArts address."""
    if host.startswith("console") and host.endswith("huaweicloud.com") and "modelarts" in path.lower():
        region = _CONSOLE_REGION.search(path)
        service = _UUID.search(path.partition("#")[2])
        return PredictionUrl(url, host, region.group(1) if region else None,
                             service.group(0).lower() if service else None, None, None, console=True)  # fmt: skip
    maas = host.endswith("modelarts-maas.com") or host.startswith("infer-modelarts")
    classic = host.endswith(("huaweicloudapis.com", "modelarts-infer.com")) or ".apig." in host
    if not (maas or classic or "/infers/" in path):
        return None
    region = _APIG_REGION.search(host + ".") or _HOST_REGION.search(host + ".")
    infer = _INFER_PATH.match(path)
    api = _MAAS_API.match(path) if maas and not infer else None
    rest = infer.group("rest") if infer else api.group("rest") if api else None
    version = f"v{infer.group('ver')}" if infer else api.group("ver") if api else None
    return PredictionUrl(
        url=url,
        host=host,
        region=region.group("region") if region else None,
        service_id=infer.group("sid").lower() if infer else None,
        api_version=version,
        custom_path=rest if rest and rest != "/" else None,
        route=Route.MAAS if maas else Route.CLASSIC if classic else None,
    )


def _language(text: str) -> str:
    sample = text[:4000]
    cjk = len(_CJK.findall(sample))
    latin = len(_LATIN.findall(sample))
    return "zh" if cjk >= 6 or (cjk >= 2 and cjk >= 0.3 * (cjk + latin)) else "en"


def _unique(items, limit: int = 20) -> tuple:
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
            if len(out) >= limit:
                break
    return tuple(out)
