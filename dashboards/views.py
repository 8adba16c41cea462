from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dashboards.selectors import home_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboards/home.html", home_for(request.user))
