"""Every form of the web draws its fields with the one field template (web/field.html).

The project's form renderer (settings.FORM_RENDERER, ketacare.web.rendering) gives every
form its field template and its bound field; an invalid input says so (aria-invalid) and
names its error and its help (aria-describedby), however the error got there.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import get_default_renderer

import ketacare.web
from ketacare.clinical import instruments
from ketacare.clinical.rules import SETTINGS
from ketacare.patients.phases import Phase
from ketacare.web.portal.questionnaires import InstrumentForm
from ketacare.web.public.forms import LeadForm, SelfScreenForm
from ketacare.web.refusals import show_refusal
from ketacare.web.rendering import DescribedField, Renderer
from ketacare.web.workspace.forms import ResolveForm

FIELD_TEMPLATE = "web/field.html"
TEMPLATES = Path(ketacare.web.__file__).parent / "templates"
# What a form's constructor may ask for, by the name of its keyword.
KWARGS: dict[str, Any] = {
    "allowed": frozenset(Phase),
    "consent_text": "I agree to be contacted.",
    "current": {setting.name: setting.least for setting in SETTINGS},
    "dispenses": [],
    "user": None,  # the account a password form sets the password of (none drawn here)
    "minimum_trial_weeks": 6,
    "name": "Sam",
    "prescriptions": [],
    "replaceable": [],
    "sitters": [],
    "witnesses": [],
}
POSITIONAL: dict[str, Any] = {"instrument": instruments.get("phq9")}
FormT = TypeVar("FormT", bound=forms.BaseForm)


def _web_forms() -> Iterator[type[forms.BaseForm]]:
    """Every form class defined in ketacare.web."""
    for module in pkgutil.walk_packages(ketacare.web.__path__, "ketacare.web."):
        if ".management" in module.name:
            continue
        loaded = importlib.import_module(module.name)
        for _, value in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == module.name:
                yield value


def _build(form_class: type[FormT], data: dict[str, Any] | None = None) -> FormT | None:
    """A form of the class, bound to `data` if given; None if it needs database objects."""
    args: list[Any] = [] if data is None else [data]
    kwargs: dict[str, Any] = {}
    for name, parameter in inspect.signature(form_class.__init__).parameters.items():
        required = parameter.default is inspect.Parameter.empty
        variadic = parameter.kind in {parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD}
        if name == "self" or not required or variadic:
            continue
        if name in POSITIONAL:
            args.insert(0, POSITIONAL[name])
        elif name in KWARGS:
            kwargs[name] = KWARGS[name]
        else:
            return None
    return form_class(*args, **kwargs)


WEB_FORMS = sorted(set(_web_forms()), key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def test_the_project_renderer_draws_every_form() -> None:
    renderer = get_default_renderer()
    assert isinstance(renderer, Renderer)
    assert renderer.field_template_name == FIELD_TEMPLATE
    assert len(WEB_FORMS) > 20


@pytest.mark.parametrize("form_class", WEB_FORMS, ids=lambda cls: cls.__name__)
def test_no_form_chooses_another_renderer_or_template(form_class: type[forms.BaseForm]) -> None:
    assert form_class.default_renderer is None
    assert form_class.bound_field_class is None
    for name in ("template_name", "template_name_div", "template_name_label"):
        assert getattr(form_class, name) == getattr(forms.Form, name), name
    declared: dict[str, forms.Field] = getattr(form_class, "base_fields", {})
    for field in declared.values():
        assert getattr(field, "template_name", None) is None
        assert field.bound_field_class is None


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", WEB_FORMS, ids=lambda cls: cls.__name__)
def test_every_field_is_drawn_by_the_one_template(form_class: type[forms.BaseForm]) -> None:
    form = _build(form_class)
    if form is None:
        pytest.skip(f"{form_class.__name__} is built from objects of the database")
    html = str(form)
    for field in form.visible_fields():
        assert isinstance(field, DescribedField)
        assert field.template_name == FIELD_TEMPLATE
        if field.use_fieldset:
            assert f'<fieldset class="item" id="{field.auto_id}" tabindex="-1"' in html
            assert html.count(f'<label class="choice" for="{field.auto_id}_') >= 1
        elif field.widget_type == "checkbox":
            assert f'<label class="check" for="{field.id_for_label}">' in html
        else:
            assert f'<label for="{field.id_for_label}">' in html
        if field.help_text:
            assert f'<p class="help" id="{field.auto_id}_helptext">' in html


def test_no_template_draws_a_field_by_hand() -> None:
    """Fields are drawn by {{ form }} or {{ field.as_field_group }}: no copy of the template.

    The only group drawn by hand is the check-in's side effects, whose choices carry the
    clinic's "call now" mark.
    """
    by_hand = re.compile(r'id="\{\{ field\.auto_id \}\}_error"')
    drawn = {
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if by_hand.search(path.read_text())
    }
    assert drawn == {"web/field.html", "web/portal/check_in.html"}
    for path in TEMPLATES.rglob("*.html"):
        assert not re.search(r'\{% include "[^"]*_fields?\.html"', path.read_text()), path


def _input(html: str, name: str) -> str:
    found = re.search(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', html)
    assert found, name
    return found.group(0)


def test_an_invalid_input_says_so_and_names_its_error_then_its_help() -> None:
    form = LeadForm(
        {"answers": "x", "name": "Sam", "phone": "not a number", "consent": "on"},
        consent_text="I agree to be contacted.",
    )
    assert not form.is_valid()
    html = form["phone"].as_field_group()
    tag = _input(html, "phone")
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="id_phone_error id_phone_helptext"' in tag
    assert '<p class="field-error" id="id_phone_error">Error: ' in html
    assert '<div class="field invalid">' in html
    valid = form["name"].as_field_group()
    assert "aria-invalid" not in _input(valid, "name")


def test_each_choice_of_an_invalid_group_names_the_error() -> None:
    form = SelfScreenForm({}, minimum_trial_weeks=6)
    assert not form.is_valid()
    html = form["phq9_1"].as_field_group()
    radios = re.findall(r'<input type="radio"[^>]*>', html)
    assert radios
    for radio in radios:
        assert 'aria-invalid="true"' in radio
        assert 'aria-describedby="id_phq9_1_error"' in radio
    assert '<fieldset class="item invalid" id="id_phq9_1" tabindex="-1">' in html
    assert '<p class="field-error" id="id_phq9_1_error">Error: Choose an answer.</p>' in html


def test_a_refusal_put_on_the_form_after_validation_is_described_too() -> None:
    form = ResolveForm({"note": "Called the patient."})
    assert form.is_valid()
    assert show_refusal(form, ValidationError({"note": "Say more."})) == 400
    html = form["note"].as_field_group()
    tag = _input(html, "note")
    assert 'aria-invalid="true"' in tag
    assert 'aria-describedby="id_note_error"' in tag
    assert '<p class="field-error" id="id_note_error">Error: Say more.</p>' in html


def test_required_fields_are_marked_unless_the_form_marks_its_optional_ones() -> None:
    resolve = ResolveForm()["note"].as_field_group()
    assert (
        '<label for="id_note">How it was resolved <span class="req" aria-hidden="true">*</span>'
        in (resolve)
    )
    screen = str(SelfScreenForm(minimum_trial_weeks=6))
    assert 'class="req"' not in screen
    assert "<legend>10. " in screen
    assert " (optional)</legend>" in screen
    phq9 = str(InstrumentForm(instruments.get("phq9")))
    assert 'class="req"' not in phq9
    assert re.search(r'<legend><span class="number">10\.</span> [^<]+ \(optional\)</legend>', phq9)
