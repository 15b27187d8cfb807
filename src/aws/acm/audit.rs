//! The drift audit of the ACM types (see `aws::audit`).

use aws_sdk_acm::operation::list_tags_for_certificate;
use aws_sdk_acm::types::CertificateDetail;

use crate::aws::audit::Class::{Computed as C, Ignored as I, Managed as M};
use crate::aws::audit::{debug_of, Audit, Shape};

/// Every ACM type's audit.
pub fn audits() -> Vec<Audit> {
    vec![
        Audit {
            kind: "acm_certificate",
            shapes: vec![
                Shape {
                    call: "DescribeCertificate",
                    shape: "CertificateDetail",
                    debug: || debug_of(CertificateDetail::builder()),
                    fields: &[
                        ("certificate_arn", C),
                        ("domain_name", M("domain_name")),
                        ("subject_alternative_names", M("subject_alternative_names")),
                        ("managed_by", C),
                        ("domain_validation_options", C),
                        ("serial", C),
                        ("subject", C),
                        ("issuer", C),
                        ("created_at", C),
                        ("issued_at", C),
                        ("imported_at", C),
                        ("status", C),
                        ("revoked_at", C),
                        ("revocation_reason", C),
                        ("not_before", C),
                        ("not_after", C),
                        ("key_algorithm", I("fixed at request: RSA_2048, ACM's default for requested certificates")),
                        ("signature_algorithm", C),
                        ("in_use_by", C),
                        ("failure_reason", C),
                        ("type", I("fixed at request: AMAZON_ISSUED for requested certificates")),
                        ("renewal_summary", C),
                        ("key_usages", C),
                        ("extended_key_usages", C),
                        ("certificate_authority_arn", I("only for private certificates; hcprov requests public ones, fixed at request")),
                        ("renewal_eligibility", C),
                        ("options", I("export cannot change after the request, certificate transparency logging can no longer be turned off, and a validation method migration only goes to DNS, which hcprov requests")),
                        ("update_summary", C),
                        ("certificate_key_pair_origin", I("fixed at request: ACM generates the key pair of the certificates hcprov requests")),
                        ("acme_endpoint_arn", I("only for certificates issued through an ACME endpoint; hcprov uses RequestCertificate")),
                        ("acme_account_id", I("only for certificates issued through an ACME endpoint; hcprov uses RequestCertificate")),
                    ],
                },
                Shape {
                    call: "ListTagsForCertificate",
                    shape: "ListTagsForCertificateOutput",
                    debug: || debug_of(list_tags_for_certificate::ListTagsForCertificateOutput::builder()),
                    fields: &[("tags", M("tags"))],
                },
            ],
        },
        Audit {
            kind: "acm_certificate_validation",
            shapes: vec![Shape {
                call: "DescribeCertificate",
                shape: "CertificateDetail",
                debug: || debug_of(CertificateDetail::builder()),
                fields: &[
                    ("certificate_arn", I("the lookup key: read reports certificate_arn from the id it asked for")),
                    ("domain_name", I("compared by the acm_certificate node")),
                    ("subject_alternative_names", I("compared by the acm_certificate node")),
                    ("managed_by", C),
                    ("domain_validation_options", C),
                    ("serial", C),
                    ("subject", C),
                    ("issuer", C),
                    ("created_at", C),
                    ("issued_at", C),
                    ("imported_at", C),
                    // Anything but ISSUED (expired, revoked) reads as gone, so
                    // the next apply waits for the certificate again.
                    ("status", M("certificate_arn")),
                    ("revoked_at", C),
                    ("revocation_reason", C),
                    ("not_before", C),
                    ("not_after", C),
                    ("key_algorithm", I("fixed at request; the acm_certificate node's business")),
                    ("signature_algorithm", C),
                    ("in_use_by", C),
                    ("failure_reason", C),
                    ("type", I("fixed at request; the acm_certificate node's business")),
                    ("renewal_summary", C),
                    ("key_usages", C),
                    ("extended_key_usages", C),
                    ("certificate_authority_arn", I("fixed at request; the acm_certificate node's business")),
                    ("renewal_eligibility", C),
                    ("options", I("the acm_certificate node's business (see there)")),
                    ("update_summary", C),
                    ("certificate_key_pair_origin", I("fixed at request; the acm_certificate node's business")),
                    ("acme_endpoint_arn", I("fixed at request; the acm_certificate node's business")),
                    ("acme_account_id", I("fixed at request; the acm_certificate node's business")),
                ],
            }],
        },
    ]
}
