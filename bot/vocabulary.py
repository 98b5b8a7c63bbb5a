"""The domain's words, defined once: hops (layers), call routes, probe verdicts and code families.

Extraction, matching, rendering, probes and upkeep all speak this vocabulary; adding a hop or a
code family is one edit here (plus the playbook schema's enum, which a test keeps in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Route(StrEnum):
    """The call path a prediction travels."""

    CLASSIC = "classic"
    """client -> API Gateway -> ModelArts dispatcher -> the model service."""
    MAAS = "maas"
    """client -> MaaS model-call gateway -> the model engine (ModelArts Studio, OpenAI-compatible)."""

    @property
    def hops(self) -> tuple[Layer, ...]:
        return _HOPS[self]


class Layer(StrEnum):
    """The hop where a request stopped."""

    CLIENT = "client"
    APIG = "apig"
    DISPATCHER = "dispatcher"
    MODEL = "model"
    MAAS = "maas"
    ENGINE = "engine"

    @property
    def display(self) -> str:
        """The hop's full name, e.g. "API Gateway (APIG)"."""
        return _NAMES[self][0]

    @property
    def hop(self) -> str:
        """The hop's short name in a path diagram."""
        return _NAMES[self][1]

    @property
    def route(self) -> Route | None:
        """The route this hop belongs to; None for the client, which every route starts from."""
        return next((r for r in Route if self in r.hops and self is not Layer.CLIENT), None)


_HOPS = {
    Route.CLASSIC: (Layer.CLIENT, Layer.APIG, Layer.DISPATCHER, Layer.MODEL),
    Route.MAAS: (Layer.CLIENT, Layer.MAAS, Layer.ENGINE),
}
_NAMES = {
    Layer.CLIENT: ("Client / network", "client"),
    Layer.APIG: ("API Gateway (APIG)", "APIG"),
    Layer.DISPATCHER: ("ModelArts dispatcher", "dispatcher"),
    Layer.MODEL: ("Model service", "model"),
    Layer.MAAS: ("MaaS gateway", "MaaS gateway"),
    Layer.ENGINE: ("Model engine", "engine"),
}


class Verdict(StrEnum):
    """What a live probe concluded: healthy, or the hop that fails (the layer names)."""

    OK = "ok"
    CLIENT = "client"
    APIG = "apig"
    DISPATCHER = "dispatcher"
    MODEL = "model"
    MAAS = "maas"
    ENGINE = "engine"

    @property
    def layer(self) -> Layer | None:
        return None if self is Verdict.OK else Layer(self.value)

    @property
    def text(self) -> str:
        """What the verdict says, e.g. "fails at the MaaS gateway"."""
        return _VERDICT_TEXT[self]


_VERDICT_TEXT = {
    Verdict.OK: "healthy",
    Verdict.CLIENT: "fails on the client / network side",
    Verdict.APIG: "fails at API Gateway (APIG)",
    Verdict.DISPATCHER: "fails at the ModelArts dispatcher",
    Verdict.MODEL: "fails in the model service",
    Verdict.MAAS: "fails at the MaaS gateway",
    Verdict.ENGINE: "fails in the model engine",
}


class Surface(StrEnum):
    """Which part of ModelArts a paste comes from. The same ``ModelArts.xxxx`` numbers mean other things on
    the management APIs (training jobs, datasets, notebooks...); only prediction failures are this bot's."""

    PREDICTION = "prediction"
    MANAGEMENT = "management"

    @property
    def signs(self) -> tuple[str, ...]:
        """Lower-case phrases that show a paste comes from this surface."""
        return _SURFACE_SIGNS[self]

    def weight(self, lower: str) -> int:
        """How much ``lower`` shows this surface: its distinct signs, the names of whole management APIs twice; a
        sign said not to apply ("not an inference thing") does not count."""
        lower = lower.replace("*", "")  # "the *management* API"
        return sum(2 if sign in _API_NAMES else 1 for sign in self.signs if _affirmed(sign, lower))


MANAGEMENT_CODES = frozenset(
    {"ModelArts.0104", "ModelArts.6271", "ModelArts.6274", "ModelArts.6291", "ModelArts.6297", "ModelArts.6299",
     "ModelArts.6613", "ModelArts.8503", "ModelArts.4900", "ModelArts.4902", "ModelArts.4904"}
)  # fmt: skip
"""Codes only the management APIs return: the MaaS custom-endpoint API's parameter, name, quota, mounting and
permission errors, and the informational 49xx answers of the classic management API. A paste whose codes are all
of these comes from a management API, not a prediction."""

SUCCESS_CODES = frozenset({"MR.0100"})
"""Codes that mean the call worked: the model service's MR.0100 is its success code, never an error."""

DENIED = re.compile(
    r"(?:(?:\bnot|\bnever|n't)\W{1,3}|不是\W{0,3})(?:(?:an?|the|from|about|for|in|on|by|at|via|just|even)\W{1,3}){0,3}$"
)
"""Words just before a name that deny it: "(not the gateway)", "not an inference thing", "不是 APIG", "不是APIG"."""


def _affirmed(sign: str, lower: str) -> bool:
    """Does ``sign`` stand in ``lower`` at least once without a denial just before it?"""
    at = lower.find(sign)
    while at >= 0:
        if not DENIED.search(lower, max(0, at - 40), at):
            return True
        at = lower.find(sign, at + 1)
    return False


_SURFACE_SIGNS = {
    Surface.PREDICTION: (
        "/infers/", "infers", "predict", "inference", "infer ", "infer_", "real-time service", "realtime service",
        "online service", "在线服务", "推理", "预测", "chat/completions", "chat.completions", "/v1/models",
        "embeddings", "apig.", "huaweicloudapis", "modelarts-infer", "erno", "words_result", "model service",
        "my services", "我的服务", "x-apig-appcode", "appcode", "deploy", "部署", "my modelarts service", "our modelarts service", "the modelarts service", "服务状态",
        "calling", "调用", "dify", "n8n", "coze", "fastgpt", "langflow",
    ),
    Surface.MANAGEMENT: (
        "training job", "training-job", "training_job", "trainingjob", "train job", "训练作业", "训练任务",
        "dataset", "数据集", "notebook", "jupyterlab", "开发环境", "workflow", "工作流", "custom endpoint",
        "custom-endpoint", "customendpoint", "自定义接入点", "dli agency", "dli 委托", "全局配置", "global configuration",
        "auto-label", "labeling", "标注", "image management", "register the image", "registering our custom image",
        "ai gallery", "permission management", "sub-user", "model import", "import the model",
        "resource pool", "dedicated resource", "镜像管理", "资源池", "权限管理",
        "image build", "save as image", "saving the notebook", "ssh -", "ssh:", "remote-ssh", "permission denied (publickey)",
        "epoch ", "(management)", "management api", "management-api", "管理接口",
        "modelarts training", "training:", "训练：", "自动学习", "exeml", "学習ジョブ", "トレーニングジョブ", "ノートブック",
        "データセット", "autosearch", "auto search", "hyperparameter", "超参",
        "terraform", "openapi", "hcloud ",
    ),
}  # fmt: skip
_API_NAMES = frozenset({"custom endpoint", "custom-endpoint", "customendpoint", "自定义接入点"})
"""Signs that name a management API of their own (MaaS custom endpoints), not a word used in passing."""


@dataclass(frozen=True)
class CodeFamily:
    """One kind of error code: how its prefix and number are written, which hop emits it, its fallback playbook."""

    prefix: str
    """Canonical prefix, as in ``APIG.0201``."""
    spellings: str
    """Regex for the ways people write the prefix (case-insensitive)."""
    number: str
    """Regex of a well-formed number of this family."""
    length: int
    """How many characters that number has."""
    layer: Layer
    fallback: str | None
    """Playbook for a well-formed code without one of its own (``APIG.XXXX``)."""
    distinctive: bool = True
    """The prefix alone says it is a ModelArts code (``APIG``); ``MR`` may as well be a merge request."""

    def fits(self, number: str) -> bool:
        return len(number) == self.length and re.fullmatch(self.number, number) is not None


FAMILIES: tuple[CodeFamily, ...] = (
    CodeFamily("APIG", r"APIGW?", r"\d{4}", 4, Layer.APIG, "APIG.XXXX"),
    CodeFamily("ModelArts", r"Model[ _-]?Arts?", r"81\d{3}", 5, Layer.MAAS, "ModelArts.81XXX"),
    CodeFamily("ModelArts", r"Model[ _-]?Arts?", r"\d{4}", 4, Layer.DISPATCHER, "ModelArts.XXXX"),
    CodeFamily("MR", r"MR", r"\d{4}", 4, Layer.MODEL, "MR.XXXX", distinctive=False),
    CodeFamily("CF2", r"CF2", r"E\d{5}", 6, Layer.DISPATCHER, None),
)
PREFIX_SPELLINGS = "|".join(dict.fromkeys(f.spellings for f in FAMILIES))
"""Every prefix spelling, for the extractor's code pattern."""
_CANONICAL = tuple((re.compile(f"(?:{f.spellings})$", re.IGNORECASE), f.prefix) for f in FAMILIES)


def canonical_prefix(written: str) -> str | None:
    """``apigw`` -> ``APIG``; ``Model_Art`` -> ``ModelArts``; None for a word that is no prefix."""
    return next((prefix for pattern, prefix in _CANONICAL if pattern.match(written)), None)


def family_of(code: str) -> CodeFamily | None:
    """The family a canonical code (``ModelArts.81003``) belongs to, if its number is well formed for one."""
    prefix, _, number = code.partition(".")
    return next((f for f in FAMILIES if f.prefix == prefix and f.fits(number)), None)


def distinctive(code: str) -> bool:
    """Whether a code's prefix alone marks it as a ModelArts code."""
    prefix = code.partition(".")[0]
    return any(f.distinctive for f in FAMILIES if f.prefix == prefix)


def plausible_number(prefix: str, number: str) -> bool:
    """Could ``number`` be a mistyped code of ``prefix``? As long as a well-formed one, or one digit longer, since
    people type a digit twice (``810006``, ``MR.01050``)."""
    lengths = [f.length for f in FAMILIES if f.prefix == prefix]
    return len(number) in lengths or len(number) == max(lengths, default=-1) + 1


def shorten(text: str, limit: int, *, one_line: bool = True) -> str:
    """``text`` within ``limit`` characters, cut with an ellipsis; ``one_line`` folds whitespace first."""
    if one_line:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
