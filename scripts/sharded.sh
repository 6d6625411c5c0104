#!/usr/bin/env bash
# Starts the workshop's ShardedByS3Key Linear Learner training job with the AWS CLI, as the
# "Parallelized Data Distribution" module prints it: each of the 5 instances gets about a fifth of the
# train channel's objects. replicated.sh is the same job with FullyReplicated.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
kit_job_args sharded "$@"

# The workshop's four values, from the environment (offline defaults; required on real AWS).
arn_role=$KIT_ROLE_ARN
training_image=$KIT_TRAINING_IMAGE
bucket=s3://$KIT_BUCKET
region=$KIT_REGION

prefix=/$KIT_PREFIX
training_job_name=${KIT_JOB_NAME:-DEMO-linear-sharded-$(date '+%Y-%m-%d-%H-%M-%S-%3N')}

training_data=$bucket$prefix/train
eval_data=$bucket$prefix/validation
# The braces are literal on purpose (the CLI shorthand); assignments are never brace-expanded.
# shellcheck disable=SC1083,SC2125
train_source={S3DataSource={S3DataType=S3Prefix,S3DataDistributionType=ShardedByS3Key,S3Uri=$training_data}}
# shellcheck disable=SC1083,SC2125
eval_source={S3DataSource={S3DataType=S3Prefix,S3DataDistributionType=FullyReplicated,S3Uri=$eval_data}}

kit_job_starting "$training_job_name" "$training_data"
# Unquoted as the workshop prints it: the braces come from a parameter expansion, which bash never
# brace-expands, and kit_resolve_settings refused values with spaces or glob characters.
# shellcheck disable=SC2086
aws --region $region \
sagemaker create-training-job \
--role-arn $arn_role \
--training-job-name $training_job_name \
--algorithm-specification TrainingImage=$training_image,TrainingInputMode=File \
--resource-config InstanceCount=5,InstanceType=ml.c4.2xlarge,VolumeSizeInGB=10 \
--input-data-config ChannelName=train,DataSource=$train_source,CompressionType=None,RecordWrapperType=None ChannelName=validation,DataSource=$eval_source,CompressionType=None,RecordWrapperType=None \
--output-data-config S3OutputPath=$bucket$prefix \
--hyper-parameters feature_dim=25,mini_batch_size=500,predictor_type=regressor,epochs=2,num_models=32,loss=absolute_loss \
--stopping-condition MaxRuntimeInSeconds=1800 \
>&2 || kit_job_create_failed "$training_job_name" "$training_data"

kit_job_started sharded "$training_job_name"
