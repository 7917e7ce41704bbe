"""Read the course from YAML files, check them, then upsert it.

The loader checks what only it can see: the shape of the YAML and the references
between files. Each record is then built as its model and judged by the model's own
validation (lengths, choices, blanks, constraints), so a rule lives in one place.
Checking writes nothing, so a broken file can never leave half a course behind:
`load_content` reads everything first and writes only when there is no error. Every
error names the file and line.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction

from .models import Course, Layer, Lesson, Responsibility, Service, Step

LAYER_SLUGS = ["physical", "network", "hypervisor", "operating-system", "application", "data"]
DUTY_SLUGS = ["identity-and-access", "network-and-access-configuration", "encryption"]
ALL_LAYER_SLUGS = [*LAYER_SLUGS, *DUTY_SLUGS]
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LESSON_FILE_PATTERN = re.compile(r"^(\d{2})-([a-z0-9-]+)\.yaml$")


@dataclass(frozen=True)
class ContentError:
    path: Path
    line: int
    message: str

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}"


class LineDict(dict):
    """A YAML mapping that remembers the line of each key, for error messages."""

    line = 1
    key_lines: dict


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class ContentFile:
    """One file being checked: reads it and records errors with their line."""

    def __init__(self, path: Path, errors: list[ContentError]):
        self.path = path
        self.errors = errors

    def read(self):
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            self.error(1, f"not UTF-8 text ({error.reason})")
            return None
        except OSError as error:
            self.error(1, f"cannot read the file ({error.strerror})")
            return None
        try:
            data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            self.error(mark.line + 1 if mark else 1, f"not valid YAML: {error.problem}")
            return None
        except yaml.YAMLError as error:
            self.error(1, f"not valid YAML: {error}")
            return None
        if not isinstance(data, LineDict):
            self.error(1, "the file must be a mapping of keys to values")
            return None
        return data

    def error(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))

    def line_of(self, mapping: LineDict, key: str) -> int:
        return mapping.key_lines.get(key, mapping.line)

    def check_keys(self, mapping: LineDict, required: set, optional: set = frozenset()):
        for key in sorted(required - mapping.keys()):
            self.error(mapping.line, f"missing {key!r}")
        for key in mapping.keys() - required - optional:
            self.error(self.line_of(mapping, key), f"unknown key {key!r}")

    def text(self, mapping: LineDict, key: str) -> str:
        """The text at `key`, stripped; "" when absent (the model says if it may be)."""
        value = mapping.get(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.error(self.line_of(mapping, key), f"{key!r} must be text")
            return ""
        return value.strip()

    def slug(self, mapping: LineDict, key: str) -> str:
        # Stricter than SlugField: slugs in files are lower-case, as the addresses are.
        value = self.text(mapping, key)
        if value and not SLUG_PATTERN.match(value):
            self.error(
                self.line_of(mapping, key),
                f"{key!r} must be lower-case letters, digits and hyphens, not {value!r}",
            )
        return value

    def known(self, mapping: LineDict, key: str, names, what: str) -> bool:
        """False, with an error, when `key` is given and is none of `names`."""
        if key in mapping and mapping[key] not in names:
            self.error(self.line_of(mapping, key), f"unknown {what} {mapping[key]!r}")
            return False
        return True

    def check_model(self, instance, mapping: LineDict, keys={}, constraints=False):  # noqa: B006
        """Judge one record by its model's own rules, each error at the line of its key
        (`keys` maps a field to its key where the names differ), a rule across fields at
        the mapping's line. Relations point into other files, which the loader checks,
        and uniqueness is not asked (the record may be there already: it is updated). A
        line that already has an error (a missing or mistyped key) is not told twice.
        Check constraints cost a query each: ask for them where they say more than the
        fields do (not where they repeat a field's choices)."""
        exclude = {f.name for f in instance._meta.fields if f.is_relation or not f.editable}
        try:
            instance.full_clean(exclude, validate_unique=False, validate_constraints=constraints)
        except ValidationError as error:
            faulted = {e.line for e in self.errors if e.path == self.path}
            for name, messages in error.message_dict.items():
                key = keys.get(name, name)
                label = f"{key}: " if name != NON_FIELD_ERRORS else ""
                for message in messages if self.line_of(mapping, key) not in faulted else ():
                    self.error(self.line_of(mapping, key), f"{label}{message}")

    def text_list(self, mapping: LineDict, key: str, *, required=False) -> list[str]:
        value = mapping.get(key, None if required else [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.error(self.line_of(mapping, key), f"{key!r} must be a list of text items")
            return []
        return value

    def mappings(self, mapping: LineDict, key: str) -> list[LineDict]:
        value = mapping.get(key)
        if not isinstance(value, list) or not value:
            self.error(self.line_of(mapping, key), f"{key!r} must be a non-empty list")
            return []
        items = []
        for item in value:
            if isinstance(item, LineDict):
                items.append(item)
            else:
                self.error(self.line_of(mapping, key), f"each item of {key!r} must be a mapping")
        return items


@dataclass
class CourseContent:
    """The whole course, checked and ready to write."""

    course: dict = field(default_factory=dict)
    layers: list[dict] = field(default_factory=list)
    services: list[dict] = field(default_factory=list)
    lessons: list[dict] = field(default_factory=list)

    @property
    def owners(self) -> dict[tuple[str, str], str]:
        return {
            (service["slug"], layer_slug): row["owner"]
            for service in self.services
            for layer_slug, row in service["responsibilities"].items()
        }

    def step_slugs(self, lesson_slug: str) -> set[str]:
        for lesson in self.lessons:
            if lesson["slug"] == lesson_slug:
                return {step["slug"] for step in lesson["steps"]}
        return set()

    def check_step(self, file: ContentFile, mapping: LineDict) -> None:
        """`lesson` and `step` name a lesson of the course and one of its steps."""
        lesson, step = mapping.get("lesson"), mapping.get("step")
        lessons = {row["slug"] for row in self.lessons}
        known = file.known(mapping, "lesson", lessons, "lesson")
        if known and lesson and step and step not in self.step_slugs(lesson):
            file.error(file.line_of(mapping, "step"), f"lesson {lesson!r} has no step {step!r}")


def read_course(root: Path, errors: list[ContentError]) -> CourseContent:
    content = CourseContent()
    _read_course_file(root / "course.yaml", errors, content)
    _read_layers(root / "layers.yaml", errors, content)
    for order, path in enumerate(_service_files(root, errors), start=1):
        _read_service(path, errors, content, order)
    _read_lessons(root / "lessons", errors, content)
    return content


def _read_course_file(path, errors, content):
    file = ContentFile(path, errors)
    data = file.read()
    if data is None:
        return
    file.check_keys(data, {"slug", "title", "summary"})
    content.course = {
        "slug": file.slug(data, "slug"),
        "title": file.text(data, "title"),
        "summary": file.text(data, "summary"),
    }
    file.check_model(Course(**content.course), data)


def _read_layers(path, errors, content):
    file = ContentFile(path, errors)
    data = file.read()
    if data is None:
        return
    file.check_keys(data, {"layers"})
    expected = ALL_LAYER_SLUGS
    for order, item in enumerate(file.mappings(data, "layers"), start=1):
        file.check_keys(item, {"slug", "name", "kind", "house_part", "summary"})
        layer = {
            "slug": file.slug(item, "slug"),
            "name": file.text(item, "name"),
            "kind": file.text(item, "kind"),
            "house_part": file.text(item, "house_part"),
            "summary": file.text(item, "summary"),
            "order": order,
        }
        file.check_model(Layer(**layer), item)
        wanted_kind = "duty" if layer["slug"] in DUTY_SLUGS else "layer"
        if layer["slug"] and layer["slug"] not in expected:
            file.error(item.line, f"unknown layer {layer['slug']!r}; expected one of {expected}")
        elif layer["kind"] and layer["kind"] != wanted_kind:
            file.error(file.line_of(item, "kind"), f"{layer['slug']!r} must be a {wanted_kind}")
        content.layers.append(layer)
    found = [layer["slug"] for layer in content.layers]
    if found and found != expected:
        file.error(data.line, f"layers must be, in this order: {', '.join(expected)}")


SERVICE_ORDER = [
    "ec2",
    "outposts",
    "ecs-ec2",
    "eks",
    "elastic-beanstalk",
    "rds",
    "fargate",
    "lambda",
    "s3",
    "sqs",
    "dynamodb",
]


def _service_files(root, errors):
    paths = sorted((root / "services").glob("*.yaml"))
    if not paths:
        errors.append(ContentError(root / "services", 0, "no service files"))

    # The explorer lists services from most to least customer work, starting with EC2 (the
    # course's reference case); Outposts follows it as EC2 on your premises. New ones go last.
    def rank(path):
        slug = path.stem
        return (SERVICE_ORDER.index(slug) if slug in SERVICE_ORDER else len(SERVICE_ORDER), slug)

    return sorted(paths, key=rank)


def _read_service(path, errors, content, order):
    file = ContentFile(path, errors)
    data = file.read()
    if data is None:
        return
    file.check_keys(data, {"slug", "name", "category", "summary", "responsibilities"}, {"sources"})
    service = {
        "slug": file.slug(data, "slug"),
        "name": file.text(data, "name"),
        "category": file.text(data, "category"),
        "summary": file.text(data, "summary"),
        "sources": file.text_list(data, "sources"),
        "order": order,
    }
    file.check_model(Service(**service), data)
    service["responsibilities"] = {}
    if service["slug"] and service["slug"] != path.stem:
        file.error(
            file.line_of(data, "slug"), f"slug {service['slug']!r} must match the file name"
        )
    rows = data.get("responsibilities")
    if not isinstance(rows, LineDict):
        file.error(file.line_of(data, "responsibilities"), "'responsibilities' must be a mapping")
        return
    for layer_slug in ALL_LAYER_SLUGS:
        if layer_slug not in rows:
            file.error(rows.line, f"no owner given for layer {layer_slug!r}")
    for layer_slug, row in rows.items():
        line = file.line_of(rows, layer_slug)
        if layer_slug not in ALL_LAYER_SLUGS:
            file.error(line, f"unknown layer {layer_slug!r}")
            continue
        if not isinstance(row, LineDict):
            file.error(line, f"{layer_slug!r} must be a mapping with owner, why, customer_does")
            continue
        file.check_keys(row, {"owner", "why", "customer_does"})
        fields = {key: file.text(row, key) for key in ("owner", "why", "customer_does")}
        service["responsibilities"][layer_slug] = fields
        file.check_model(Responsibility(**fields), row)
    content.services.append(service)


def _read_lessons(directory, errors, content):
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        errors.append(ContentError(directory, 0, "no lesson files"))
    service_slugs = {service["slug"] for service in content.services}
    for path in paths:
        file = ContentFile(path, errors)
        name = LESSON_FILE_PATTERN.match(path.name)
        if not name:
            file.error(1, "a lesson file is named NN-<slug>.yaml")
            continue
        data = file.read()
        if data is None:
            continue
        file.check_keys(data, {"slug", "title", "summary", "steps"}, {"sources"})
        lesson = {
            "slug": file.slug(data, "slug"),
            "title": file.text(data, "title"),
            "summary": file.text(data, "summary"),
            "sources": file.text_list(data, "sources"),
            "order": int(name.group(1)),
        }
        file.check_model(Lesson(**lesson), data)
        lesson["steps"] = []
        if lesson["slug"] and lesson["slug"] != name.group(2):
            file.error(file.line_of(data, "slug"), "slug must match the file name")
        for order, item in enumerate(file.mappings(data, "steps"), start=1):
            file.check_keys(item, {"slug", "title", "body"}, {"explorer"})
            step = {
                "slug": file.slug(item, "slug"),
                "title": file.text(item, "title"),
                "body": file.text(item, "body"),
                "order": order,
            }
            service = layer = None
            view = "stack"
            if step["slug"] in {s["slug"] for s in lesson["steps"]}:
                file.error(file.line_of(item, "slug"), f"step {step['slug']!r} appears twice")
            embed = item.get("explorer")
            if embed is not None:
                if not isinstance(embed, LineDict):
                    file.error(
                        file.line_of(item, "explorer"), "'explorer' needs service and layer"
                    )
                else:
                    file.check_keys(embed, {"service", "layer"}, {"view"})
                    service = file.text(embed, "service")
                    layer = file.text(embed, "layer")
                    view = file.text(embed, "view") or view
                    file.known(embed, "service", service_slugs, "service")
                    file.known(embed, "layer", ALL_LAYER_SLUGS, "layer")
            step["explorer_view"] = view
            file.check_model(Step(**step), item, {"explorer_view": "explorer"})
            lesson["steps"].append({**step, "explorer": (service, layer)})
        content.lessons.append(lesson)
    slugs = [lesson["slug"] for lesson in content.lessons]
    for slug in {s for s in slugs if slugs.count(s) > 1}:
        errors.append(ContentError(directory, 0, f"lesson slug {slug!r} is used twice"))


def upsert(model, obj, fields: dict, stats):
    """Create `obj` if it is None, else save it only if a field differs; count which."""
    if obj is None:
        stats["created"] += 1
        return model.objects.create(**fields)
    changed = [name for name, value in fields.items() if getattr(obj, name) != value]
    if not changed:
        stats["unchanged"] += 1
        return obj
    for name in changed:
        setattr(obj, name, fields[name])
    obj.save()  # whole row: save() may derive fields (a step's HTML from its Markdown)
    stats["updated"] += 1
    return obj


def _sync(model, rows: list[dict], key: str, stats, **scope):
    """Create, update or delete `model` rows so they match `rows` exactly (by `key`)."""
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**scope)}
    kept = {
        row[key]: upsert(model, existing.get(row[key]), {**scope, **row}, stats) for row in rows
    }
    stale = [obj.pk for k, obj in existing.items() if k not in kept]
    if stale:
        model.objects.filter(pk__in=stale).delete()
        stats["removed"] += len(stale)
    return kept


@transaction.atomic
def write_course(content: CourseContent, stats) -> None:
    course = _sync(Course, [content.course], "slug", stats)[content.course["slug"]]
    layers = _sync(Layer, content.layers, "slug", stats)
    services = _sync(
        Service,
        [{k: v for k, v in s.items() if k != "responsibilities"} for s in content.services],
        "slug",
        stats,
    )
    for service in content.services:
        rows = [
            {"layer": layers[layer_slug], **row}
            for layer_slug, row in service["responsibilities"].items()
        ]
        _sync(Responsibility, rows, "layer", stats, service=services[service["slug"]])
    lessons = _sync(
        Lesson,
        [{k: v for k, v in lesson.items() if k != "steps"} for lesson in content.lessons],
        "slug",
        stats,
        course=course,
    )
    for lesson in content.lessons:
        rows = []
        for step in lesson["steps"]:
            service_slug, layer_slug = step["explorer"]
            rows.append(
                {
                    **{key: value for key, value in step.items() if key != "explorer"},
                    "explorer_service": services.get(service_slug),
                    "explorer_layer": layers.get(layer_slug),
                }
            )
        _sync(Step, rows, "slug", stats, lesson=lessons[lesson["slug"]])
