from __future__ import annotations

from django.urls import path

from conveyor.jobs import apis, longpoll

urlpatterns = [
    path("jobs", longpoll.long_polling(apis.JobCollectionApi.as_view()), name="jobs"),
    path("jobs/batch", apis.JobBatchCreateApi.as_view(), name="jobs-batch"),
    path("jobs/cancel", apis.JobBulkCancelApi.as_view(), name="jobs-bulk-cancel"),
    path("jobs/retry", apis.JobBulkRetryApi.as_view(), name="jobs-bulk-retry"),
    path(
        "jobs/<uuid:job_id>",
        longpoll.long_polling(apis.JobDetailApi.as_view()),
        name="job-detail",
    ),
    path("jobs/<uuid:job_id>/cancel", apis.JobCancelApi.as_view(), name="job-cancel"),
    path("jobs/<uuid:job_id>/retry", apis.JobRetryApi.as_view(), name="job-retry"),
    path("job-types", apis.JobTypeListApi.as_view(), name="job-types"),
]
