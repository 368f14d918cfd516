from django.urls import path

from example.shop import views

urlpatterns = [
    path("orders/", views.place_order),
    path("orders/<int:order_id>/", views.order_detail),
    path("orders/<int:order_id>/pack/", views.pack),
    path("results/<str:task_name>/<str:result_id>/", views.task_result),
    path("events/<str:result_id>/", views.task_events),
]
