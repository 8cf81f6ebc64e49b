"""A prescriber releases a held fill from the pharmacy queue (staged dispensing, issue 17).

The holds and the rule are the services' (treatment.staging): this view reads the
note, calls the use case and shows its answer on the queue.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ketacare.kernel import specs
from ketacare.kernel.errors import DomainError, NotFound
from ketacare.treatment import services
from ketacare.treatment.models import Prescription
from ketacare.treatment.specs.staging import FillReleaseSpec
from ketacare.web.workspace.common import current_user, staff_patient

RELEASE_WHO = "Only a prescriber releases a held fill."


@login_required
@require_POST
def release_hold(request: HttpRequest, patient_id: int, prescription_id: int) -> HttpResponse:
    """Release the prescription's next fill despite its holds, with the prescriber's note."""
    user = current_user(request)
    patient = staff_patient(user, patient_id, "release_held_fill", what=RELEASE_WHO)
    rx = Prescription.objects.visible_to(user).filter(pk=prescription_id, patient=patient).first()
    if rx is None:
        raise NotFound
    try:
        spec = specs.read(FillReleaseSpec, {"note": request.POST.get("note", "")})
        release = services.release_held_fill(user, rx, spec)
    except ValidationError as error:
        messages.error(request, f"Rx {rx.pk} not released: {' '.join(error.messages)}")
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Fill {release.fill_number} of Rx {rx.pk} released: it may be dispensed."
        )
    return redirect("ws-pharmacy")
