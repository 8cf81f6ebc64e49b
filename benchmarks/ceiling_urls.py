"""The ceiling's one endpoint: POST /insert stores the body in one row (bench_ceiling)."""

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse  # noqa: TID251 - an endpoint of its own
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from ketacare.urls import urlpatterns as ketacare_urls


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_ceiling (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse(status=201)


# The product's pages stay (the health check, the 404 page's links); one is added.
urlpatterns = [path("insert", insert), *ketacare_urls]
