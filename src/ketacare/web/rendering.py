"""How every form of the web is drawn: one field template, through Django's form renderer.

`settings.FORM_RENDERER` names `Renderer`, so every form (the project's and Django's, such
as the sign-in form) draws `{{ form }}` with web/form.html and `{{ field.as_field_group }}`
with web/field.html: the label (a legend for a group of choices), the required mark, the
help, the errors, the input.

Each input names its error and its help (aria-describedby, the error first: it is what
the reader must act on) and says it is invalid (aria-invalid), at the moment it is drawn:
an error a service added after validation (`ketacare.web.refusals.show_refusal`) is
described like any other. A radio button or tick box of a group carries the description
itself: a screen reader reads a group input by input.

What a form or field may tell web/field.html:
- `form.optional_marked = True`: the page marks its optional questions, not its required
  ones (no "*"; a questionnaire, the self-screen);
- `field.optional`: " (optional)" after the question; `field.number`: its number before
  it; `field.asked_if`: the name of the question it follows (asked only after a yes).
"""

from __future__ import annotations

from typing import Any

from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Widget

__all__ = ["DescribedField", "Renderer"]


class DescribedField(BoundField):
    """A bound field whose inputs name their error and help (aria-describedby)."""

    @property
    def aria_describedby(self) -> str | None:
        if self.field.widget.attrs.get("aria-describedby"):
            return None  # the form chose its own description
        ids = []
        if self.auto_id and not self.is_hidden:
            if self.errors:
                ids.append(f"{self.auto_id}_error")
            if self.help_text:
                ids.append(f"{self.auto_id}_helptext")
        return " ".join(ids)

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: Widget | None = None
    ) -> dict[str, Any]:
        built: dict[str, Any] = super().build_widget_attrs(attrs, widget)
        # Django describes a group on its fieldset only; each of its inputs says it too.
        if self.use_fieldset and not built.get("aria-describedby") and self.aria_describedby:
            built["aria-describedby"] = self.aria_describedby
        return built


class Renderer(TemplatesSetting):
    """The project's templates draw every form and field (see the module's docstring)."""

    form_template_name = "web/form.html"
    field_template_name = "web/field.html"
    bound_field_class = DescribedField
